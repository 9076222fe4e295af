using System.Text.Json;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Crypto;
using Hyperion.Core.Wallet;
using Hyperion.State.World;

namespace Hyperion.Chain;

/// <summary>One pre-funded account of the genesis allocation.</summary>
public sealed record GenesisAccount(UInt256 Balance, ulong Nonce = 0, byte[]? Code = null, IReadOnlyDictionary<UInt256, UInt256>? Storage = null);

/// <summary>
/// The first block of a chain and its state: chain id, gas limit, base fee, timestamp and the allocation. Reads
/// geth's genesis JSON format; <see cref="Dev"/> is the built-in dev genesis (ten anvil accounts with 10,000 ETH).
/// </summary>
public sealed record Genesis
{
    public const ulong DefaultChainId = 133717;
    public const ulong DefaultGasLimit = 30_000_000;

    public required ulong ChainId { get; init; }
    public ulong GasLimit { get; init; } = DefaultGasLimit;
    public UInt256 BaseFeePerGas { get; init; } = BaseFee.InitialBaseFee;
    public ulong Timestamp { get; init; }
    public byte[] ExtraData { get; init; } = [];
    public Address Coinbase { get; init; }
    public Hash256 MixHash { get; init; }
    public UInt256 Difficulty { get; init; }
    public required IReadOnlyDictionary<Address, GenesisAccount> Alloc { get; init; }

    /// <summary>The dev genesis: <paramref name="accounts"/> funded with <paramref name="balance"/> each.</summary>
    public static Genesis Dev(ulong chainId, IReadOnlyList<DevAccount> accounts, UInt256 balance)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        var alloc = new SortedDictionary<Address, GenesisAccount>();
        foreach (DevAccount account in accounts)
        {
            alloc[account.Address] = new GenesisAccount(balance);
        }

        return new Genesis { ChainId = chainId, Alloc = alloc };
    }

    /// <summary>Builds the genesis state (a fresh copy on each call).</summary>
    public InMemoryStateReader BuildState()
    {
        var state = new InMemoryStateReader();
        foreach ((Address address, GenesisAccount account) in Alloc.OrderBy(a => a.Key))
        {
            state.SetAccount(address, account.Nonce, account.Balance, account.Code ?? []);
            if (account.Storage is not null)
            {
                foreach ((UInt256 key, UInt256 value) in account.Storage.OrderBy(s => s.Key))
                {
                    state.SetStorage(address, key, value);
                }
            }
        }

        return state;
    }

    /// <summary>The genesis header (Cancun fields set) for the state root <paramref name="stateRoot"/>.</summary>
    public BlockHeader BuildHeader(Hash256 stateRoot) => new()
    {
        ParentHash = Hash256.Zero,
        Beneficiary = Coinbase,
        StateRoot = stateRoot,
        Difficulty = Difficulty,
        Number = 0,
        GasLimit = GasLimit,
        Timestamp = Timestamp,
        ExtraData = ExtraData,
        MixHash = MixHash,
        BaseFeePerGas = BaseFeePerGas,
        WithdrawalsRoot = Keccak256.EmptyTrieRoot,
        BlobGasUsed = 0,
        ExcessBlobGas = 0,
        ParentBeaconBlockRoot = Hash256.Zero,
    };

    /// <summary>Parses geth's genesis JSON (config.chainId, gasLimit, baseFeePerGas, timestamp, extraData, alloc, …).</summary>
    /// <exception cref="GenesisFormatException">The JSON is malformed or a field is invalid; the message names it.</exception>
    public static Genesis Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using JsonDocument document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new GenesisFormatException("the genesis must be a JSON object");
            }

            ulong chainId = root.TryGetProperty("config", out JsonElement config) && config.TryGetProperty("chainId", out JsonElement id)
                ? ReadUInt64(id, "config.chainId")
                : throw new GenesisFormatException("config.chainId is missing");
            var alloc = new SortedDictionary<Address, GenesisAccount>();
            if (root.TryGetProperty("alloc", out JsonElement allocElement))
            {
                foreach (JsonProperty entry in allocElement.EnumerateObject())
                {
                    string name = entry.Name.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? entry.Name : "0x" + entry.Name;
                    if (!Address.TryParse(name, out Address address))
                    {
                        throw new GenesisFormatException($"alloc: '{entry.Name}' is not an address");
                    }

                    alloc[address] = ReadAccount(entry.Value, $"alloc.{entry.Name}");
                }
            }

            return new Genesis
            {
                ChainId = chainId,
                GasLimit = Optional(root, "gasLimit", DefaultGasLimit),
                BaseFeePerGas = root.TryGetProperty("baseFeePerGas", out JsonElement baseFee) && baseFee.ValueKind != JsonValueKind.Null
                    ? ReadUInt256(baseFee, "baseFeePerGas") : BaseFee.InitialBaseFee,
                Timestamp = Optional(root, "timestamp", 0),
                ExtraData = root.TryGetProperty("extraData", out JsonElement extra) ? ReadBytes(extra, "extraData") : [],
                Coinbase = root.TryGetProperty("coinbase", out JsonElement coinbase) ? ReadAddress(coinbase, "coinbase") : Address.Zero,
                MixHash = root.TryGetProperty("mixHash", out JsonElement mix) ? ReadHash(mix, "mixHash") : Hash256.Zero,
                Difficulty = root.TryGetProperty("difficulty", out JsonElement difficulty) ? ReadUInt256(difficulty, "difficulty") : UInt256.Zero,
                Alloc = alloc,
            };
        }
        catch (JsonException e)
        {
            throw new GenesisFormatException($"invalid JSON: {e.Message}");
        }
    }

    private static GenesisAccount ReadAccount(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new GenesisFormatException($"{path} must be an object");
        }

        UInt256 balance = element.TryGetProperty("balance", out JsonElement b) ? ReadUInt256(b, path + ".balance") : UInt256.Zero;
        ulong nonce = element.TryGetProperty("nonce", out JsonElement n) ? ReadUInt64(n, path + ".nonce") : 0;
        byte[]? code = element.TryGetProperty("code", out JsonElement c) ? ReadBytes(c, path + ".code") : null;
        Dictionary<UInt256, UInt256>? storage = null;
        if (element.TryGetProperty("storage", out JsonElement s) && s.ValueKind == JsonValueKind.Object)
        {
            storage = [];
            foreach (JsonProperty slot in s.EnumerateObject())
            {
                storage[ParseUInt256(slot.Name, $"{path}.storage key")] = ReadUInt256(slot.Value, $"{path}.storage[{slot.Name}]");
            }
        }

        return new GenesisAccount(balance, nonce, code, storage);
    }

    private static ulong Optional(JsonElement root, string name, ulong fallback) =>
        root.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? ReadUInt64(value, name) : fallback;

    private static ulong ReadUInt64(JsonElement element, string path)
    {
        UInt256 value = ReadUInt256(element, path);
        return value > ulong.MaxValue ? throw new GenesisFormatException($"{path} does not fit in 64 bits") : (ulong)value;
    }

    private static UInt256 ReadUInt256(JsonElement element, string path) => element.ValueKind switch
    {
        JsonValueKind.Number when element.TryGetUInt64(out ulong number) => number,
        JsonValueKind.String => ParseUInt256(element.GetString()!, path),
        _ => throw new GenesisFormatException($"{path} must be a number or a hex/decimal string"),
    };

    private static UInt256 ParseUInt256(string text, string path) =>
        UInt256.TryParse(text, out UInt256 value) ? value : throw new GenesisFormatException($"{path}: '{text}' is not a 256-bit number");

    private static byte[] ReadBytes(JsonElement element, string path)
    {
        string text = element.GetString() ?? "";
        try
        {
            return text.Length == 0 ? [] : Hex.Decode(text);
        }
        catch (FormatException e)
        {
            throw new GenesisFormatException($"{path}: {e.Message}");
        }
    }

    private static Address ReadAddress(JsonElement element, string path) =>
        Address.TryParse(element.GetString(), out Address address) ? address : throw new GenesisFormatException($"{path} is not an address");

    private static Hash256 ReadHash(JsonElement element, string path) =>
        Hash256.TryParse(element.GetString(), out Hash256 hash) ? hash : throw new GenesisFormatException($"{path} is not a 32-byte hex value");
}

/// <summary>A genesis file could not be used; the message says which field and why.</summary>
public sealed class GenesisFormatException(string message) : FormatException("genesis: " + message);
