using System.Text.Json;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Crypto;
using Hyperion.Core.Wallet;
using Hyperion.Execution.Blocks;
using Hyperion.Execution.Specs;
using Hyperion.State.World;

namespace Hyperion.Chain;

/// <summary>One pre-funded account of the genesis allocation.</summary>
public sealed record GenesisAccount(UInt256 Balance, ulong Nonce = 0, byte[]? Code = null, IReadOnlyDictionary<UInt256, UInt256>? Storage = null);

/// <summary>
/// The first block of a chain and its state: the chain spec (chain id, fork schedule, gas limit), base fee, timestamp
/// and the allocation. Reads geth's genesis JSON format; <see cref="Dev"/> is the built-in dev genesis (the anvil
/// accounts, every fork active from block 0, and the EIP-4788 beacon roots contract, as geth's dev mode has).
/// </summary>
public sealed record Genesis
{
    public const ulong DefaultChainId = 133717;

    /// <summary>The chain this genesis starts.</summary>
    public required ChainSpec Spec { get; init; }

    public ulong ChainId => Spec.ChainId;

    public ulong GasLimit => Spec.GasLimit;

    /// <summary>The base fee of the genesis block when London is active at genesis.</summary>
    public UInt256 BaseFeePerGas { get; init; } = BaseFee.InitialBaseFee;
    public ulong Timestamp { get; init; }
    public byte[] ExtraData { get; init; } = [];
    public Address Coinbase { get; init; }
    public Hash256 MixHash { get; init; }
    public UInt256 Difficulty { get; init; }
    public required IReadOnlyDictionary<Address, GenesisAccount> Alloc { get; init; }

    /// <summary>
    /// The dev genesis: <paramref name="accounts"/> funded with <paramref name="balance"/> each, every fork active
    /// from block 0, and the EIP-4788 beacon roots contract (the system call every block makes needs its code).
    /// </summary>
    public static Genesis Dev(ulong chainId, IReadOnlyList<DevAccount> accounts, UInt256 balance)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        var alloc = new SortedDictionary<Address, GenesisAccount>
        {
            [SystemContracts.BeaconRootsAddress] = new GenesisAccount(UInt256.Zero, Nonce: 1, Code: SystemContracts.BeaconRootsCode.ToArray()),
        };
        foreach (DevAccount account in accounts)
        {
            alloc[account.Address] = new GenesisAccount(balance);
        }

        return new Genesis { Spec = ChainSpec.Dev(chainId), Alloc = alloc };
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

    /// <summary>The genesis header, with the fields of the forks active at genesis, for the state root <paramref name="stateRoot"/>.</summary>
    public BlockHeader BuildHeader(Hash256 stateRoot)
    {
        bool cancun = Spec.BlobScheduleAt(0, Timestamp) is not null;
        return new BlockHeader
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
            BaseFeePerGas = Spec.BaseFeeParametersAt(0, Timestamp) is null ? null : BaseFeePerGas,
            WithdrawalsRoot = Spec.IsActive(Hardfork.Shanghai, 0, Timestamp) ? Keccak256.EmptyTrieRoot : null,
            BlobGasUsed = cancun ? 0 : null,
            ExcessBlobGas = cancun ? 0 : null,
            ParentBeaconBlockRoot = cancun ? Hash256.Zero : null,
        };
    }

    /// <summary>
    /// Parses geth's genesis JSON: <c>config</c> (chain id, fork schedule, blob schedule: see
    /// <see cref="GethChainConfig"/>), gasLimit, baseFeePerGas, timestamp, extraData, coinbase, mixHash, difficulty, alloc.
    /// </summary>
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

            ChainSpec spec = root.TryGetProperty("config", out JsonElement config)
                ? GethChainConfig.Parse(config, Optional(root, "gasLimit", ChainSpec.DefaultGasLimit))
                : throw new GenesisFormatException("config is missing");
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
                Spec = spec,
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
        catch (ChainConfigFormatException e)
        {
            throw new GenesisFormatException(e.Message);
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

    private static ulong ReadUInt64(JsonElement element, string path) => GethChainConfig.ReadUInt64(element, path);

    private static UInt256 ReadUInt256(JsonElement element, string path) => GethChainConfig.ReadUInt256(element, path);

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
