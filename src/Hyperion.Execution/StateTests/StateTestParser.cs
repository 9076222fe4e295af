using System.Text.Json;
using Hyperion.Core;

namespace Hyperion.Execution.StateTests;

/// <summary>
/// Reads Ethereum GeneralStateTests fixture files. Malformed content raises <see cref="FormatException"/> naming
/// the test and field; entries keep file order so results are reported deterministically.
/// </summary>
public static class StateTestParser
{
    public static IReadOnlyList<StateTest> ParseFile(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Parse(stream);
    }

    public static IReadOnlyList<StateTest> Parse(Stream json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new FormatException($"state test JSON is malformed: {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("state test file must be a JSON object of named tests");
            }

            var tests = new List<StateTest>();
            foreach (JsonProperty test in document.RootElement.EnumerateObject())
            {
                try
                {
                    tests.Add(ParseTest(test.Name, test.Value));
                }
                catch (Exception e) when (e is FormatException or InvalidOperationException or KeyNotFoundException)
                {
                    throw new FormatException($"state test '{test.Name}': {e.Message}", e);
                }
            }

            return tests;
        }
    }

    private static StateTest ParseTest(string name, JsonElement test)
    {
        JsonElement env = Required(test, "env");
        var environment = new StateTestEnvironment(
            Address.Parse(Required(env, "currentCoinbase").GetString()!),
            Quantity(Required(env, "currentDifficulty")),
            QuantityUInt64(Required(env, "currentGasLimit")),
            QuantityUInt64(Required(env, "currentNumber")),
            QuantityUInt64(Required(env, "currentTimestamp")),
            Optional(env, "currentBaseFee") is { } baseFee ? Quantity(baseFee) : null,
            Optional(env, "currentRandom") is { } random ? Word(random) : null,
            Optional(env, "currentExcessBlobGas") is { } excess ? Quantity(excess) : null,
            Optional(env, "currentBeaconRoot") is { } beacon ? Word(beacon) : null);

        var pre = new List<KeyValuePair<Address, StateTestAccount>>();
        foreach (JsonProperty account in Required(test, "pre").EnumerateObject())
        {
            pre.Add(new(Address.Parse(account.Name), ParseAccount(account.Value)));
        }

        StateTestTransaction transaction = ParseTransaction(Required(test, "transaction"));

        var post = new List<KeyValuePair<string, IReadOnlyList<StateTestExpectation>>>();
        foreach (JsonProperty fork in Required(test, "post").EnumerateObject())
        {
            var expectations = new List<StateTestExpectation>();
            foreach (JsonElement entry in fork.Value.EnumerateArray())
            {
                JsonElement indexes = Required(entry, "indexes");
                expectations.Add(new StateTestExpectation(
                    new StateTestIndexes(Required(indexes, "data").GetInt32(), Required(indexes, "gas").GetInt32(), Required(indexes, "value").GetInt32()),
                    Word(Required(entry, "hash")),
                    Word(Required(entry, "logs")),
                    Optional(entry, "txbytes") is { } txBytes ? Bytes(txBytes) : null,
                    Optional(entry, "expectException")?.GetString()));
            }

            post.Add(new(fork.Name, expectations));
        }

        return new StateTest(name, environment, pre, transaction, post);
    }

    private static StateTestAccount ParseAccount(JsonElement account)
    {
        var storage = new List<StateTestStorageEntry>();
        if (Optional(account, "storage") is { } slots)
        {
            foreach (JsonProperty slot in slots.EnumerateObject())
            {
                storage.Add(new StateTestStorageEntry(ParseQuantity(slot.Name), Quantity(slot.Value)));
            }
        }

        return new StateTestAccount(
            Quantity(Required(account, "balance")),
            QuantityUInt64(Required(account, "nonce")),
            Bytes(Required(account, "code")),
            storage);
    }

    private static StateTestTransaction ParseTransaction(JsonElement tx)
    {
        string? to = Required(tx, "to").GetString();
        List<IReadOnlyList<StateTestAccessListEntry>?>? accessLists = null;
        if (Optional(tx, "accessLists") is { ValueKind: JsonValueKind.Array } lists)
        {
            accessLists = [];
            foreach (JsonElement list in lists.EnumerateArray())
            {
                accessLists.Add(list.ValueKind == JsonValueKind.Null ? null : ParseAccessList(list));
            }
        }

        return new StateTestTransaction(
            QuantityUInt64(Required(tx, "nonce")),
            Optional(tx, "sender") is { } sender ? Address.Parse(sender.GetString()!) : Address.Zero,
            Bytes(Required(tx, "secretKey")),
            string.IsNullOrEmpty(to) ? null : Address.Parse(to),
            Optional(tx, "gasPrice") is { } gasPrice ? Quantity(gasPrice) : null,
            Optional(tx, "maxFeePerGas") is { } maxFee ? Quantity(maxFee) : null,
            Optional(tx, "maxPriorityFeePerGas") is { } maxPriority ? Quantity(maxPriority) : null,
            Optional(tx, "maxFeePerBlobGas") is { } maxBlobFee ? Quantity(maxBlobFee) : null,
            Optional(tx, "blobVersionedHashes") is { } hashes ? [.. hashes.EnumerateArray().Select(Word)] : null,
            [.. Required(tx, "data").EnumerateArray().Select(Bytes)],
            [.. Required(tx, "gasLimit").EnumerateArray().Select(QuantityUInt64)],
            [.. Required(tx, "value").EnumerateArray().Select(TransactionValue)],
            accessLists);
    }

    private static List<StateTestAccessListEntry> ParseAccessList(JsonElement list) =>
    [
        .. list.EnumerateArray().Select(entry => new StateTestAccessListEntry(
            Address.Parse(Required(entry, "address").GetString()!),
            [.. Required(entry, "storageKeys").EnumerateArray().Select(Word)])),
    ];

    private static JsonElement Required(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value)
            ? value
            : throw new FormatException($"missing field '{name}'");

    private static JsonElement? Optional(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static byte[] Bytes(JsonElement element) => Hex.Decode(element.GetString() ?? throw new FormatException("expected a hex string"));

    private static Hash256 Word(JsonElement element)
    {
        byte[] bytes = Bytes(element);
        return bytes.Length == Hash256.Size ? new Hash256(bytes) : throw new FormatException($"expected 32 bytes, got {bytes.Length}");
    }

    private static byte[] Quantity(JsonElement element) =>
        ParseQuantity(element.GetString() ?? throw new FormatException("expected a hex quantity"));

    /// <summary>
    /// A transaction value, which some fixtures deliberately make wider than 256 bits (written "0x:bigint 0x…") so
    /// the transaction is invalid: kept as minimal big-endian bytes of any length for the runner to reject.
    /// </summary>
    private static byte[] TransactionValue(JsonElement element)
    {
        string text = element.GetString() ?? throw new FormatException("expected a hex quantity");
        const string bigIntPrefix = "0x:bigint ";
        if (!text.StartsWith(bigIntPrefix, StringComparison.Ordinal))
        {
            return ParseQuantity(text);
        }

        ReadOnlySpan<char> digits = text.AsSpan(bigIntPrefix.Length);
        digits = digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? digits[2..].TrimStart('0') : throw new FormatException($"quantity '{text}' must be hex");
        string even = digits.Length % 2 == 0 ? digits.ToString() : "0" + digits.ToString();
        return Hex.Decode("0x" + even);
    }

    private static ulong QuantityUInt64(JsonElement element)
    {
        byte[] bytes = Quantity(element);
        if (bytes.Length > 8)
        {
            throw new FormatException($"quantity {element.GetString()} does not fit in 64 bits");
        }

        ulong value = 0;
        foreach (byte b in bytes)
        {
            value = (value << 8) | b;
        }

        return value;
    }

    /// <summary>Parses "0x…" (any digit count, leading zeros allowed) to minimal big-endian bytes of at most 32 bytes.</summary>
    public static byte[] ParseQuantity(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        if (!hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException($"quantity '{hex}' must start with 0x");
        }

        ReadOnlySpan<char> digits = hex.AsSpan(2).TrimStart('0');
        if (digits.Length > 64)
        {
            throw new FormatException($"quantity '{hex}' exceeds 256 bits");
        }

        var bytes = new byte[(digits.Length + 1) / 2];
        int odd = digits.Length & 1;
        for (int i = 0; i < digits.Length; i++)
        {
            int nibble = HexDigit(digits[i], hex);
            int position = i + odd;
            bytes[position >> 1] |= (byte)((position & 1) == 0 ? nibble << 4 : nibble);
        }

        return bytes;
    }

    private static int HexDigit(char c, string source) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => throw new FormatException($"'{source}' is not hex"),
    };
}
