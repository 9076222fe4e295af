using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hyperion.Chain;
using Hyperion.Core;
using Hyperion.State.World;

namespace Hyperion.Rpc.Eth;

/// <summary>
/// anvil's state dump (anvil_dumpState / anvil_loadState): hex of gzipped JSON
/// <c>{block, accounts: {address: {nonce, balance, code, storage: {slot: value}}}, best_block_number, blocks,
/// transactions, historical_states}</c>. Only the accounts carry state here: a dump from this node has no blocks or
/// transactions (and a null block environment), and loading a dump applies its accounts as state edits of the head
/// (as anvil does, storage slots are written over the account's existing ones) and ignores its blocks.
/// </summary>
public static class AnvilStateDump
{
    /// <summary>Largest JSON a gzipped dump may inflate to (a small request must not take the node's memory).</summary>
    public const int MaxJsonBytes = 256 << 20;

    /// <summary>The dump of <paramref name="state"/> (a change set on the empty state) taken at block <paramref name="head"/>, as anvil's hex string.</summary>
    public static string Encode(StateChangeSet state, ulong head)
    {
        ArgumentNullException.ThrowIfNull(state);
        var code = new Dictionary<Hash256, byte[]>();
        foreach ((Hash256 hash, byte[] bytes) in state.Code)
        {
            code[hash] = bytes;
        }

        var accounts = new JsonObject();
        foreach (AccountChange account in state.Accounts)
        {
            var storage = new JsonObject();
            foreach ((UInt256 slot, UInt256 value) in account.Storage)
            {
                storage[EthFormat.Word(slot)] = EthFormat.Word(value);
            }

            accounts[account.Address.ToString()] = new JsonObject
            {
                ["nonce"] = account.Nonce,
                ["balance"] = EthFormat.Quantity(account.Balance),
                ["code"] = Hex.Encode(code.TryGetValue(account.CodeHash, out byte[]? bytes) ? bytes : []),
                ["storage"] = storage,
            };
        }

        var dump = new JsonObject
        {
            ["block"] = null,
            ["accounts"] = accounts,
            ["best_block_number"] = head,
            ["blocks"] = new JsonArray(),
            ["transactions"] = new JsonArray(),
            ["historical_states"] = null,
        };
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            JsonSerializer.Serialize(gzip, dump);
        }

        return Hex.Encode(compressed.ToArray());
    }

    /// <summary>The accounts of a dump (gzipped or plain JSON bytes) as state edits, in address order.</summary>
    /// <exception cref="FormatException">The bytes are not a state dump.</exception>
    public static IReadOnlyList<StateEdit> Decode(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(IsGzip(bytes) ? Decompress(bytes) : bytes);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            throw new FormatException($"not a state dump: {e.Message}", e);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("accounts", out JsonElement accounts) || accounts.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("a state dump is an object with an 'accounts' object");
            }

            var edits = new SortedDictionary<Address, StateEdit>();
            foreach (JsonProperty entry in accounts.EnumerateObject())
            {
                if (!Address.TryParse(entry.Name, out Address address))
                {
                    throw new FormatException($"account '{entry.Name}' is not an address");
                }

                edits[address] = Account(address, entry.Value);
            }

            return [.. edits.Values];
        }
    }

    private static StateEdit Account(Address address, JsonElement account)
    {
        if (account.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"account {address} must be an object");
        }

        var storage = new List<KeyValuePair<UInt256, UInt256>>();
        if (account.TryGetProperty("storage", out JsonElement slots) && slots.ValueKind != JsonValueKind.Null)
        {
            if (slots.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"storage of {address} must be an object");
            }

            foreach (JsonProperty slot in slots.EnumerateObject())
            {
                storage.Add(new(Word(slot.Name, address, "slot"), Word(slot.Value.ValueKind == JsonValueKind.String ? slot.Value.GetString()! : "", address, $"value of slot {slot.Name}")));
            }
        }

        ulong nonce = Field(account, "nonce", address) switch
        {
            { ValueKind: JsonValueKind.Number } n when n.TryGetUInt64(out ulong value) && value < ulong.MaxValue => value,
            { ValueKind: JsonValueKind.String } s => Parse(() => EthJson.ParseQuantity(s.GetString()!), address, "nonce"),
            _ => throw new FormatException($"nonce of {address} must be a number below 2^64-1"),
        };
        JsonElement balance = Field(account, "balance", address);
        if (balance.ValueKind != JsonValueKind.String || !UInt256.TryParse(balance.GetString(), out UInt256 wei))
        {
            throw new FormatException($"balance of {address} must be a hex quantity");
        }

        JsonElement code = Field(account, "code", address);
        byte[] bytecode = code.ValueKind == JsonValueKind.String
            ? Parse(() => EthJson.ParseData(code.GetString()!), address, "code")
            : throw new FormatException($"code of {address} must be hex data");
        return new StateEdit(address) { Nonce = nonce, Balance = wei, Code = bytecode, Storage = storage };
    }

    private static JsonElement Field(JsonElement account, string name, Address address) =>
        account.TryGetProperty(name, out JsonElement value) ? value : throw new FormatException($"account {address} has no '{name}'");

    private static T Parse<T>(Func<T> parse, Address address, string what)
    {
        try
        {
            return parse();
        }
        catch (FormatException e)
        {
            throw new FormatException($"{what} of {address}: {e.Message}", e);
        }
    }

    private static UInt256 Word(string text, Address address, string what) =>
        text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && UInt256.TryParse(text, out UInt256 value)
            ? value
            : throw new FormatException($"{what} '{text}' of {address} is not a hex word");

    private static bool IsGzip(byte[] bytes) => bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;

    private static byte[] Decompress(byte[] bytes)
    {
        using var input = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var output = new MemoryStream();
        byte[] buffer = new byte[81920];
        int read;
        while ((read = input.Read(buffer)) > 0)
        {
            if (output.Length + read > MaxJsonBytes)
            {
                throw new InvalidDataException($"the state dump inflates to more than {MaxJsonBytes} bytes");
            }

            output.Write(buffer, 0, read);
        }

        return output.ToArray();
    }
}
