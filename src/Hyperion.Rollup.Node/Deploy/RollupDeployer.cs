using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.Node.Contracts;
using Hyperion.Rollup.Node.L1;
using Hyperion.Rollup.Node.L2Genesis;
using Hyperion.Rpc;
using Nethereum.ABI.FunctionEncoding;
using Nethereum.ABI.ABIDeserialisation;
using Newtonsoft.Json.Linq;

namespace Hyperion.Rollup.Node.Deploy;

/// <summary>What to deploy and the rollup to describe; defaults are a devnet's (OP's values where OP has one).</summary>
public sealed record RollupDeployOptions
{
    /// <summary>The batcher allowed by SystemConfig; null: the deployer.</summary>
    public Address? Batcher { get; init; }

    public ulong L2ChainId { get; init; } = 901;

    /// <summary>Seconds between L2 blocks.</summary>
    public ulong BlockTime { get; init; } = 2;

    /// <summary>L1 blocks within which an epoch's batches must land (OP mainnet: 3600).</summary>
    public ulong SeqWindowSize { get; init; } = 3600;

    /// <summary>L1 blocks a channel may stay open (Granite, active here, uses 50).</summary>
    public ulong ChannelTimeout { get; init; } = 300;

    public ulong MaxSequencerDrift { get; init; } = 600;

    public ulong L2GasLimit { get; init; } = 30_000_000;

    public uint BaseFeeScalar { get; init; } = 1368;

    public uint BlobBaseFeeScalar { get; init; } = 810_949;

    /// <summary>Accounts funded in the L2 genesis.</summary>
    public IReadOnlyDictionary<Address, UInt256> FundedL2Accounts { get; init; } = new SortedDictionary<Address, UInt256>();

    /// <summary>Where the fee vaults pay out; null: the deployer.</summary>
    public Address? FeeRecipient { get; init; }

    /// <summary>The only account L2OutputOracle accepts outputs from; null: the deployer.</summary>
    public Address? Proposer { get; init; }

    /// <summary>The only account that may remove outputs during the challenge window; null: the deployer.</summary>
    public Address? Challenger { get; init; }

    /// <summary>L2 blocks between posted outputs.</summary>
    public ulong SubmissionInterval { get; init; } = 10;

    /// <summary>
    /// Seconds an output can be challenged, and a withdrawal proof must wait, before withdrawals against it execute
    /// (the challenge window; OP mainnet had 7 days). The default suits a devnet: 12 s, one L1 block.
    /// </summary>
    public ulong FinalizationPeriodSeconds { get; init; } = 12;
}

/// <summary>The L1 contracts of a deployed rollup and the accounts they trust.</summary>
public sealed record RollupAddresses(
    Address OptimismPortal,
    Address SystemConfig,
    Address L1StandardBridge,
    Address BatchInbox,
    Address Deployer,
    Address Batcher,
    Address L2OutputOracle,
    Address Proposer,
    Address Challenger,
    Address L1CrossDomainMessenger,
    Address OptimismMintableErc20Factory);

/// <summary>
/// Deploys the rollup's L1 contracts (SystemConfig, OptimismPortal, L1CrossDomainMessenger, L1StandardBridge, the L1
/// OptimismMintableERC20Factory for L2-native tokens, L2OutputOracle) from the compiled artifacts, constructor arguments ABI-encoded with Nethereum, transactions signed with Core and sent over
/// JSON-RPC; then describes the rollup: genesis.l1 is the L1 block of the last deployment, the output oracle's, whose
/// block time is both the oracle's starting timestamp and genesis.l2_time; genesis.l2 is the hash of
/// <see cref="RollupGenesis"/> for the resulting config.
/// </summary>
public sealed class RollupDeployer(IJsonRpc l1, byte[] deployerKey)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private readonly Address _deployer = Secp256k1.AddressFromPrivateKey(deployerKey);

    /// <summary>The batch inbox of an L2 chain id, by OP's convention: 0xff00…00 followed by the chain id's decimal digits.</summary>
    public static Address BatchInboxOf(ulong l2ChainId)
    {
        string digits = l2ChainId.ToString(CultureInfo.InvariantCulture);
        return digits.Length > 38 ? throw new ArgumentOutOfRangeException(nameof(l2ChainId)) : Address.Parse("0xff" + digits.PadLeft(38, '0'));
    }

    /// <exception cref="JsonRpcCallException">L1 refused a transaction or could not be reached.</exception>
    /// <exception cref="InvalidOperationException">A deployment reverted.</exception>
    public async Task<(RollupConfig Config, RollupAddresses Addresses)> DeployAsync(RollupDeployOptions options, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(options);
        ulong chainId = EthJson.ParseQuantity((string)(await l1.CallAsync("eth_chainId", [], cancellation).ConfigureAwait(false))!);
        ulong nonce = EthJson.ParseQuantity((string)(await l1.CallAsync("eth_getTransactionCount", [_deployer.ToString(), "pending"], cancellation).ConfigureAwait(false))!);
        Address batcher = options.Batcher ?? _deployer;
        Address proposer = options.Proposer ?? _deployer;
        Address challenger = options.Challenger ?? _deployer;
        Address inbox = BatchInboxOf(options.L2ChainId);
        if (options.SubmissionInterval == 0 || options.BlockTime == 0)
        {
            throw new InvalidOperationException("the submission interval and the L2 block time must be positive");
        }

        // The portal is built knowing the oracle, which is deployed last (its block starts the L2 chain).
        Address portal = ContractAddress(_deployer, nonce + 1);
        Address messenger = ContractAddress(_deployer, nonce + 2);
        Address bridge = ContractAddress(_deployer, nonce + 3);
        Address factory = ContractAddress(_deployer, nonce + 4);
        Address oracle = ContractAddress(_deployer, nonce + 5);
        var sent = new List<(Hash256 Tx, string Contract, Address Expected)>
        {
            (await SendCreateAsync(chainId, nonce, "SystemConfig", cancellation,
                _deployer.ToString(), batcher.ToString(), options.L2GasLimit, options.BaseFeeScalar, options.BlobBaseFeeScalar, inbox.ToString()).ConfigureAwait(false),
                "SystemConfig", ContractAddress(_deployer, nonce)),
            (await SendCreateAsync(chainId, nonce + 1, "OptimismPortal", cancellation, oracle.ToString()).ConfigureAwait(false), "OptimismPortal", portal),
            (await SendCreateAsync(chainId, nonce + 2, "L1CrossDomainMessenger", cancellation, portal.ToString()).ConfigureAwait(false), "L1CrossDomainMessenger", messenger),
            (await SendCreateAsync(chainId, nonce + 3, "L1StandardBridge", cancellation, messenger.ToString()).ConfigureAwait(false), "L1StandardBridge", bridge),
            (await SendCreateAsync(chainId, nonce + 4, "OptimismMintableERC20Factory", cancellation, bridge.ToString()).ConfigureAwait(false), "OptimismMintableERC20Factory", factory),
            (await SendCreateAsync(chainId, nonce + 5, "L2OutputOracle", cancellation,
                options.SubmissionInterval, options.BlockTime, 0UL, 0UL, proposer.ToString(), challenger.ToString(), options.FinalizationPeriodSeconds).ConfigureAwait(false),
                "L2OutputOracle", oracle),
        };
        foreach ((Hash256 tx, string contract, Address expected) in sent)
        {
            await ExpectDeployedAsync(tx, contract, expected, cancellation).ConfigureAwait(false);
        }

        Address systemConfig = sent[0].Expected;
        Hash256 oracleTx = sent[^1].Tx;

        JToken receipt = (await l1.CallAsync("eth_getTransactionReceipt", [oracleTx.ToString()], cancellation).ConfigureAwait(false))!;
        JToken genesisL1 = (await l1.CallAsync("eth_getBlockByHash", [RpcObjects.String(receipt, "blockHash"), false], cancellation).ConfigureAwait(false))!;
        Address feeRecipient = options.FeeRecipient ?? _deployer;
        var config = new RollupConfig
        {
            GenesisL1 = new BlockId(RpcObjects.Hash(genesisL1, "hash"), RpcObjects.Quantity(genesisL1, "number")),
            GenesisL2Time = RpcObjects.Quantity(genesisL1, "timestamp"),
            GenesisSystemConfig = new SystemConfig
            {
                BatcherAddress = batcher,
                Scalar = SystemConfig.EncodeEcotoneScalar(options.BaseFeeScalar, options.BlobBaseFeeScalar),
                GasLimit = options.L2GasLimit,
            },
            BlockTime = options.BlockTime,
            MaxSequencerDrift = options.MaxSequencerDrift,
            SeqWindowSize = options.SeqWindowSize,
            ChannelTimeoutBedrock = options.ChannelTimeout,
            L1ChainId = chainId,
            L2ChainId = options.L2ChainId,
            RegolithTime = 0,
            CanyonTime = 0,
            DeltaTime = 0,
            EcotoneTime = 0,
            FjordTime = 0,
            GraniteTime = 0,
            BatchInboxAddress = inbox,
            DepositContractAddress = portal,
            L1SystemConfigAddress = systemConfig,
            Hyperion = new HyperionRollupSettings
            {
                L1StandardBridge = bridge,
                L1CrossDomainMessenger = messenger,
                SequencerFeeVaultRecipient = feeRecipient,
                BaseFeeVaultRecipient = feeRecipient,
                L1FeeVaultRecipient = feeRecipient,
                FundedAccounts = new SortedDictionary<Address, UInt256>(options.FundedL2Accounts.ToDictionary()),
            },
        };
        config = config with { GenesisL2 = new BlockId(RollupGenesis.ComputeHash(config), 0) };
        config.EnsureValid();
        return (config, new RollupAddresses(portal, systemConfig, bridge, inbox, _deployer, batcher, oracle, proposer, challenger, messenger, factory));
    }

    /// <summary>addresses.json: the contracts and accounts by name.</summary>
    public static string AddressesJson(RollupAddresses addresses, RollupConfig config)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        ArgumentNullException.ThrowIfNull(config);
        var json = new SortedDictionary<string, object>(StringComparer.Ordinal)
        {
            ["OptimismPortal"] = addresses.OptimismPortal.ToString(),
            ["SystemConfig"] = addresses.SystemConfig.ToString(),
            ["L1StandardBridge"] = addresses.L1StandardBridge.ToString(),
            ["BatchInbox"] = addresses.BatchInbox.ToString(),
            ["Deployer"] = addresses.Deployer.ToString(),
            ["Batcher"] = addresses.Batcher.ToString(),
            ["L2OutputOracle"] = addresses.L2OutputOracle.ToString(),
            ["Proposer"] = addresses.Proposer.ToString(),
            ["Challenger"] = addresses.Challenger.ToString(),
            ["L1CrossDomainMessenger"] = addresses.L1CrossDomainMessenger.ToString(),
            ["OptimismMintableERC20Factory"] = addresses.OptimismMintableErc20Factory.ToString(),
            ["L1ChainId"] = config.L1ChainId,
            ["L2ChainId"] = config.L2ChainId,
            ["GenesisL1Number"] = config.GenesisL1.Number,
            ["GenesisL2Hash"] = config.GenesisL2.Hash.ToString(),
        };
        return JsonSerializer.Serialize(json, Indented) + "\n";
    }

    /// <summary>The CREATE address of <paramref name="sender"/> at <paramref name="nonce"/>: keccak(rlp([sender, nonce]))[12..].</summary>
    public static Address ContractAddress(in Address sender, ulong nonce) =>
        Address.FromHash(Keccak256.Hash(Core.Rlp.Rlp.EncodeList(Core.Rlp.Rlp.EncodeBytes(sender.Bytes), Core.Rlp.Rlp.EncodeUInt64(nonce))));

    private async Task<Hash256> SendCreateAsync(ulong chainId, ulong nonce, string contract, CancellationToken cancellation, params object[] arguments)
    {
        RollupContract artifact = RollupContracts.Get(contract);
        var abi = new ABIJsonDeserialiser().DeserialiseContract(artifact.Abi);
        string bytecode = Hex.Encode(artifact.CreationBytecode.Span, withPrefix: false);
        string data = abi.Constructor is { InputParameters.Length: > 0 } constructor
            ? new ConstructorCallEncoder().EncodeRequest(bytecode, constructor.InputParameters, [.. arguments.Select(ToAbiValue)])
            : bytecode;
        JToken block = (await l1.CallAsync("eth_getBlockByNumber", ["latest", false], cancellation).ConfigureAwait(false))!;
        UInt256 baseFee = RpcObjects.Has(block, "baseFeePerGas") ? RpcObjects.Quantity256(block, "baseFeePerGas") : UInt256.Zero;
        UInt256 tip = 1_000_000_000UL;
        byte[] initCode = Hex.Decode(data.StartsWith("0x", StringComparison.Ordinal) ? data : "0x" + data);
        var estimateCall = new JObject { ["from"] = _deployer.ToString(), ["data"] = Hex.Encode(initCode) };
        ulong gas = EthJson.ParseQuantity((string)(await l1.CallAsync("eth_estimateGas", [estimateCall], cancellation).ConfigureAwait(false))!);
        Transaction tx = TransactionSigner.Sign(
            new Transaction
            {
                Type = TransactionType.DynamicFee, ChainId = chainId, Nonce = nonce, MaxPriorityFeePerGas = tip, MaxFeePerGas = (baseFee * 2) + tip,
                GasLimit = gas + (gas / 5), Data = initCode,
            },
            deployerKey);
        await l1.CallAsync("eth_sendRawTransaction", [Hex.Encode(tx.Envelope.Span)], cancellation).ConfigureAwait(false);
        return tx.Hash;
    }

    private async Task ExpectDeployedAsync(Hash256 hash, string contract, Address expected, CancellationToken cancellation)
    {
        Address deployed = await DeployedAsync(hash, contract, cancellation).ConfigureAwait(false);
        if (deployed != expected)
        {
            throw new InvalidOperationException($"{contract} was deployed at {deployed}, not at {expected} (another transaction used the deployer's nonce)");
        }
    }

    private async Task<Address> DeployedAsync(Hash256 hash, string contract, CancellationToken cancellation)
    {
        for (int attempt = 0; ; attempt++)
        {
            JToken? receipt = await l1.CallAsync("eth_getTransactionReceipt", [hash.ToString()], cancellation).ConfigureAwait(false);
            if (receipt is not null && RpcObjects.Has(receipt, "blockNumber"))
            {
                return RpcObjects.Quantity(receipt, "status") == 1
                    ? RpcObjects.Address(receipt, "contractAddress")
                    : throw new InvalidOperationException($"the deployment of {contract} ({hash}) reverted");
            }

            if (attempt == 600)
            {
                throw new InvalidOperationException($"the deployment of {contract} ({hash}) was not included within 5 minutes");
            }

            await Task.Delay(500, cancellation).ConfigureAwait(false);
        }
    }

    private static object ToAbiValue(object value) => value switch
    {
        ulong u => new BigInteger(u),
        uint u => new BigInteger(u),
        _ => value,
    };
}
