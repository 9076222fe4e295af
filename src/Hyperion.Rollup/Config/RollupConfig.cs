using System.Text;
using System.Text.Json;
using Hyperion.Core;

namespace Hyperion.Rollup.Config;

/// <summary>
/// The rollup configuration a verifier needs to derive the L2 chain from L1 alone, in the shape of op-node's
/// <c>rollup.json</c> (same JSON field names). Fork times are L2 timestamps (null: not scheduled). Hyperion follows
/// the rules up to Granite; <see cref="Validate"/> rejects Holocene and Isthmus, whose derivation changes are not
/// implemented.
/// </summary>
public sealed record RollupConfig
{
    /// <summary>Pre-Fjord MAX_RLP_BYTES_PER_CHANNEL and MAX_CHANNEL_BANK_SIZE; Fjord values below.</summary>
    public const ulong MaxRlpBytesPerChannelBedrock = 10_000_000;
    public const ulong MaxRlpBytesPerChannelFjord = 100_000_000;
    public const ulong MaxChannelBankSizeBedrock = 100_000_000;
    public const ulong MaxChannelBankSizeFjord = 1_000_000_000;

    /// <summary>MAX_SPAN_BATCH_ELEMENT_COUNT: bound on blocks and transactions in one span batch.</summary>
    public const ulong MaxSpanBatchElementCount = 10_000_000;

    /// <summary>Fjord's constant max sequencer drift, in seconds.</summary>
    public const ulong MaxSequencerDriftFjord = 1800;

    /// <summary>Granite's constant channel timeout, in L1 blocks.</summary>
    public const ulong ChannelTimeoutGranite = 50;

    public BlockId GenesisL1 { get; init; }

    public BlockId GenesisL2 { get; init; }

    public ulong GenesisL2Time { get; init; }

    public SystemConfig GenesisSystemConfig { get; init; } = new();

    /// <summary>Seconds between L2 blocks.</summary>
    public ulong BlockTime { get; init; }

    /// <summary>Pre-Fjord max sequencer drift, seconds.</summary>
    public ulong MaxSequencerDrift { get; init; }

    /// <summary>Sequencing window, in L1 blocks.</summary>
    public ulong SeqWindowSize { get; init; }

    /// <summary>Pre-Granite channel timeout, in L1 blocks.</summary>
    public ulong ChannelTimeoutBedrock { get; init; }

    public ulong L1ChainId { get; init; }

    public ulong L2ChainId { get; init; }

    public ulong? RegolithTime { get; init; }

    public ulong? CanyonTime { get; init; }

    public ulong? DeltaTime { get; init; }

    public ulong? EcotoneTime { get; init; }

    public ulong? FjordTime { get; init; }

    public ulong? GraniteTime { get; init; }

    public ulong? HoloceneTime { get; init; }

    public ulong? IsthmusTime { get; init; }

    public Address BatchInboxAddress { get; init; }

    public Address DepositContractAddress { get; init; }

    public Address L1SystemConfigAddress { get; init; }

    public Address ProtocolVersionsAddress { get; init; }

    /// <summary>The <c>"hyperion"</c> section: genesis and execution settings OP keeps outside rollup.json.</summary>
    public HyperionRollupSettings Hyperion { get; init; } = new();

    public bool IsRegolith(ulong time) => RegolithTime <= time;

    public bool IsCanyon(ulong time) => CanyonTime <= time;

    public bool IsDelta(ulong time) => DeltaTime <= time;

    public bool IsEcotone(ulong time) => EcotoneTime <= time;

    public bool IsFjord(ulong time) => FjordTime <= time;

    public bool IsGranite(ulong time) => GraniteTime <= time;

    public bool IsIsthmus(ulong time) => IsthmusTime <= time;

    /// <summary>Channel timeout for a frame read from an L1 block at <paramref name="l1Time"/>.</summary>
    public ulong ChannelTimeout(ulong l1Time) => IsGranite(l1Time) ? ChannelTimeoutGranite : ChannelTimeoutBedrock;

    /// <summary>Max sequencer drift for an L2 block whose L1 origin has timestamp <paramref name="l1OriginTime"/>.</summary>
    public ulong MaxSequencerDriftAt(ulong l1OriginTime) => IsFjord(l1OriginTime) ? MaxSequencerDriftFjord : MaxSequencerDrift;

    public ulong MaxRlpBytesPerChannel(ulong l1Time) => IsFjord(l1Time) ? MaxRlpBytesPerChannelFjord : MaxRlpBytesPerChannelBedrock;

    public ulong MaxChannelBankSize(ulong l1Time) => IsFjord(l1Time) ? MaxChannelBankSizeFjord : MaxChannelBankSizeBedrock;

    /// <summary>Every inconsistency (op-node's <c>Config.Check</c> rules, plus unsupported forks); empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        List<string> errors = [];
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add(message);
            }
        }

        Require(BlockTime != 0, "block_time must be positive");
        Require(ChannelTimeoutBedrock != 0, "channel_timeout must be positive");
        Require(SeqWindowSize >= 2, "seq_window_size must be at least 2");
        Require(MaxSequencerDrift != 0, "max_sequencer_drift must be positive");
        Require(!GenesisL1.Hash.IsZero, "genesis.l1.hash is missing");
        Require(!GenesisL2.Hash.IsZero, "genesis.l2.hash is missing");
        Require(GenesisL2Time != 0, "genesis.l2_time is missing");
        Require(!GenesisSystemConfig.BatcherAddress.IsZero, "genesis.system_config.batcherAddr is missing");
        Require(GenesisSystemConfig.GasLimit != 0, "genesis.system_config.gasLimit is missing");
        Require(!BatchInboxAddress.IsZero, "batch_inbox_address is missing");
        Require(!DepositContractAddress.IsZero, "deposit_contract_address is missing");
        Require(!L1SystemConfigAddress.IsZero, "l1_system_config_address is missing");
        Require(L1ChainId != 0, "l1_chain_id is missing");
        Require(L2ChainId != 0, "l2_chain_id is missing");
        Require(L1ChainId != L2ChainId, "l1_chain_id and l2_chain_id must differ");
        Require(Hyperion.Eip1559Elasticity != 0, "hyperion.eip1559Elasticity must be positive");
        Require(Hyperion.Eip1559Denominator != 0 && Hyperion.Eip1559DenominatorCanyon != 0, "hyperion.eip1559Denominator and eip1559DenominatorCanyon must be positive");
        Require(HoloceneTime is null, "holocene_time: Holocene derivation rules are not supported");
        Require(IsthmusTime is null, "isthmus_time: Isthmus is not supported");

        // Forks activate in order: a scheduled fork needs every earlier fork scheduled no later.
        (string Name, ulong? Time)[] forks =
        [
            ("regolith_time", RegolithTime), ("canyon_time", CanyonTime), ("delta_time", DeltaTime),
            ("ecotone_time", EcotoneTime), ("fjord_time", FjordTime), ("granite_time", GraniteTime),
        ];
        for (int i = 1; i < forks.Length; i++)
        {
            if (forks[i].Time is ulong later)
            {
                Require(forks[i - 1].Time is ulong earlier && earlier <= later, $"{forks[i].Name} is set but {forks[i - 1].Name} is not set at or before it");
            }
        }

        return errors;
    }

    /// <summary>Throws <see cref="RollupConfigException"/> listing every problem, if any.</summary>
    public void EnsureValid()
    {
        IReadOnlyList<string> errors = Validate();
        if (errors.Count > 0)
        {
            throw new RollupConfigException(errors);
        }
    }

    /// <summary>Parses op-node's rollup.json shape (unknown fields are ignored) and validates it.</summary>
    /// <exception cref="RollupConfigException">Malformed JSON, a field of the wrong type, or an invalid config.</exception>
    public static RollupConfig FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        RollupConfig config;
        try
        {
            using JsonDocument document = JsonDocument.Parse(json);
            config = Read(document.RootElement);
        }
        catch (JsonException e)
        {
            throw new RollupConfigException($"rollup config is not valid JSON: {e.Message}", e);
        }

        config.EnsureValid();
        return config;
    }

    /// <summary>The config as op-node's rollup.json.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartObject("genesis");
            WriteBlockId(w, "l1", GenesisL1);
            WriteBlockId(w, "l2", GenesisL2);
            w.WriteNumber("l2_time", GenesisL2Time);
            w.WriteStartObject("system_config");
            w.WriteString("batcherAddr", GenesisSystemConfig.BatcherAddress.ToString());
            w.WriteString("overhead", GenesisSystemConfig.Overhead.ToString());
            w.WriteString("scalar", GenesisSystemConfig.Scalar.ToString());
            w.WriteNumber("gasLimit", GenesisSystemConfig.GasLimit);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteNumber("block_time", BlockTime);
            w.WriteNumber("max_sequencer_drift", MaxSequencerDrift);
            w.WriteNumber("seq_window_size", SeqWindowSize);
            w.WriteNumber("channel_timeout", ChannelTimeoutBedrock);
            w.WriteNumber("l1_chain_id", L1ChainId);
            w.WriteNumber("l2_chain_id", L2ChainId);
            WriteOptional(w, "regolith_time", RegolithTime);
            WriteOptional(w, "canyon_time", CanyonTime);
            WriteOptional(w, "delta_time", DeltaTime);
            WriteOptional(w, "ecotone_time", EcotoneTime);
            WriteOptional(w, "fjord_time", FjordTime);
            WriteOptional(w, "granite_time", GraniteTime);
            WriteOptional(w, "holocene_time", HoloceneTime);
            WriteOptional(w, "isthmus_time", IsthmusTime);
            w.WriteString("batch_inbox_address", BatchInboxAddress.ToString());
            w.WriteString("deposit_contract_address", DepositContractAddress.ToString());
            w.WriteString("l1_system_config_address", L1SystemConfigAddress.ToString());
            w.WriteString("protocol_versions_address", ProtocolVersionsAddress.ToString());
            WriteHyperion(w, Hyperion);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteHyperion(Utf8JsonWriter w, HyperionRollupSettings h)
    {
        w.WriteStartObject("hyperion");
        w.WriteString("genesisBaseFee", h.GenesisBaseFee.ToString());
        w.WriteString("l1StandardBridge", h.L1StandardBridge.ToString());
        w.WriteString("l1CrossDomainMessenger", h.L1CrossDomainMessenger.ToString());
        w.WriteString("sequencerFeeVaultRecipient", h.SequencerFeeVaultRecipient.ToString());
        w.WriteString("baseFeeVaultRecipient", h.BaseFeeVaultRecipient.ToString());
        w.WriteString("l1FeeVaultRecipient", h.L1FeeVaultRecipient.ToString());
        w.WriteString("feeVaultMinimumWithdrawal", h.FeeVaultMinimumWithdrawal.ToString());
        w.WriteNumber("eip1559Elasticity", h.Eip1559Elasticity);
        w.WriteNumber("eip1559Denominator", h.Eip1559Denominator);
        w.WriteNumber("eip1559DenominatorCanyon", h.Eip1559DenominatorCanyon);
        w.WriteStartObject("fundedAccounts");
        foreach ((Address address, UInt256 balance) in h.FundedAccounts.OrderBy(a => a.Key))
        {
            w.WriteString(address.ToString(), balance.ToString());
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static HyperionRollupSettings ReadHyperion(JsonElement root)
    {
        if (!root.TryGetProperty("hyperion", out _))
        {
            return new HyperionRollupSettings();
        }

        JsonElement h = Member(root, "hyperion", JsonValueKind.Object);
        var defaults = new HyperionRollupSettings();
        var funded = new SortedDictionary<Address, UInt256>();
        if (h.TryGetProperty("fundedAccounts", out _))
        {
            foreach (JsonProperty account in Member(h, "fundedAccounts", JsonValueKind.Object, "hyperion").EnumerateObject())
            {
                if (!Address.TryParse(account.Name, out Address address))
                {
                    throw new RollupConfigException($"hyperion.fundedAccounts: '{account.Name}' is not a 20-byte hex address");
                }

                funded[address] = WeiField(h.GetProperty("fundedAccounts"), account.Name, "hyperion.fundedAccounts") ?? UInt256.Zero;
            }
        }

        return new HyperionRollupSettings
        {
            GenesisBaseFee = WeiField(h, "genesisBaseFee", "hyperion") ?? defaults.GenesisBaseFee,
            L1StandardBridge = OptionalAddress(h, "l1StandardBridge"),
            L1CrossDomainMessenger = OptionalAddress(h, "l1CrossDomainMessenger"),
            SequencerFeeVaultRecipient = OptionalAddress(h, "sequencerFeeVaultRecipient"),
            BaseFeeVaultRecipient = OptionalAddress(h, "baseFeeVaultRecipient"),
            L1FeeVaultRecipient = OptionalAddress(h, "l1FeeVaultRecipient"),
            FeeVaultMinimumWithdrawal = WeiField(h, "feeVaultMinimumWithdrawal", "hyperion") ?? UInt256.Zero,
            Eip1559Elasticity = h.TryGetProperty("eip1559Elasticity", out _) ? Number(h, "eip1559Elasticity", "hyperion") : defaults.Eip1559Elasticity,
            Eip1559Denominator = h.TryGetProperty("eip1559Denominator", out _) ? Number(h, "eip1559Denominator", "hyperion") : defaults.Eip1559Denominator,
            Eip1559DenominatorCanyon = h.TryGetProperty("eip1559DenominatorCanyon", out _) ? Number(h, "eip1559DenominatorCanyon", "hyperion") : defaults.Eip1559DenominatorCanyon,
            FundedAccounts = funded,
        };
    }

    /// <summary>A wei amount written as a decimal or 0x-hex string; null when absent.</summary>
    private static UInt256? WeiField(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out _))
        {
            return null;
        }

        return UInt256.TryParse(Member(parent, name, JsonValueKind.String, path).GetString(), out UInt256 value)
            ? value
            : throw new RollupConfigException($"{Qualified(path, name)} is not a 256-bit amount (decimal or 0x-hex string)");
    }

    private static Address OptionalAddress(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out _) ? AddressField(parent, name) : default;

    private static void WriteBlockId(Utf8JsonWriter w, string name, BlockId id)
    {
        w.WriteStartObject(name);
        w.WriteString("hash", id.Hash.ToString());
        w.WriteNumber("number", id.Number);
        w.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, ulong? value)
    {
        if (value is ulong v)
        {
            w.WriteNumber(name, v);
        }
    }

    private static RollupConfig Read(JsonElement root)
    {
        JsonElement genesis = Member(root, "genesis", JsonValueKind.Object);
        JsonElement system = Member(genesis, "system_config", JsonValueKind.Object);
        return new RollupConfig
        {
            GenesisL1 = ReadBlockId(Member(genesis, "l1", JsonValueKind.Object), "genesis.l1"),
            GenesisL2 = ReadBlockId(Member(genesis, "l2", JsonValueKind.Object), "genesis.l2"),
            GenesisL2Time = Number(genesis, "l2_time"),
            GenesisSystemConfig = new SystemConfig
            {
                BatcherAddress = AddressField(system, "batcherAddr"),
                Overhead = HashField(system, "overhead", optional: true),
                Scalar = HashField(system, "scalar", optional: true),
                GasLimit = Number(system, "gasLimit"),
            },
            BlockTime = Number(root, "block_time"),
            MaxSequencerDrift = Number(root, "max_sequencer_drift"),
            SeqWindowSize = Number(root, "seq_window_size"),
            ChannelTimeoutBedrock = Number(root, "channel_timeout"),
            L1ChainId = Number(root, "l1_chain_id"),
            L2ChainId = Number(root, "l2_chain_id"),
            RegolithTime = OptionalNumber(root, "regolith_time"),
            CanyonTime = OptionalNumber(root, "canyon_time"),
            DeltaTime = OptionalNumber(root, "delta_time"),
            EcotoneTime = OptionalNumber(root, "ecotone_time"),
            FjordTime = OptionalNumber(root, "fjord_time"),
            GraniteTime = OptionalNumber(root, "granite_time"),
            HoloceneTime = OptionalNumber(root, "holocene_time"),
            IsthmusTime = OptionalNumber(root, "isthmus_time"),
            BatchInboxAddress = AddressField(root, "batch_inbox_address"),
            DepositContractAddress = AddressField(root, "deposit_contract_address"),
            L1SystemConfigAddress = AddressField(root, "l1_system_config_address"),
            ProtocolVersionsAddress = root.TryGetProperty("protocol_versions_address", out _) ? AddressField(root, "protocol_versions_address") : default,
            Hyperion = ReadHyperion(root),
        };
    }

    private static BlockId ReadBlockId(JsonElement element, string path) =>
        new(HashField(element, "hash", optional: false, path), Number(element, "number", path));

    private static JsonElement Member(JsonElement parent, string name, JsonValueKind kind, string? path = null)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out JsonElement value))
        {
            throw new RollupConfigException($"{Qualified(path, name)} is missing");
        }

        if (value.ValueKind != kind)
        {
            throw new RollupConfigException($"{Qualified(path, name)} must be a JSON {kind.ToString().ToLowerInvariant()}");
        }

        return value;
    }

    private static ulong Number(JsonElement parent, string name, string? path = null)
    {
        JsonElement value = Member(parent, name, JsonValueKind.Number, path);
        return value.TryGetUInt64(out ulong number) ? number : throw new RollupConfigException($"{Qualified(path, name)} must be an unsigned 64-bit integer");
    }

    private static ulong? OptionalNumber(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? Number(parent, name) : null;

    private static Address AddressField(JsonElement parent, string name) =>
        Address.TryParse(Member(parent, name, JsonValueKind.String).GetString(), out Address address)
            ? address
            : throw new RollupConfigException($"{name} is not a 20-byte hex address");

    private static Hash256 HashField(JsonElement parent, string name, bool optional, string? path = null)
    {
        if (optional && !parent.TryGetProperty(name, out _))
        {
            return default;
        }

        return Hash256.TryParse(Member(parent, name, JsonValueKind.String, path).GetString(), out Hash256 hash)
            ? hash
            : throw new RollupConfigException($"{Qualified(path, name)} is not a 32-byte hex value");
    }

    private static string Qualified(string? path, string name) => path is null ? name : $"{path}.{name}";
}
