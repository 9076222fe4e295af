using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.L1Attributes;
using Hyperion.Rollup.Node.Batcher;
using Hyperion.Rollup.Node.L1;
using Newtonsoft.Json.Linq;

namespace Hyperion.Rollup.Node.Tests.Batcher;

/// <summary>
/// A made-up L2 chain for the batcher: blocks with the L1-attributes deposit and a few signed transfers each (an epoch
/// per three blocks), served over a fake L2 JSON-RPC (<c>optimism_syncStatus</c>, <c>eth_getBlockByNumber</c>) in
/// the JSON shapes of op-node and op-geth.
/// </summary>
internal sealed class TestL2Chain : IJsonRpc
{
    public static readonly RollupConfig Config = new()
    {
        GenesisL1 = new BlockId(Hash256.Parse("0x1000000000000000000000000000000000000000000000000000000000000001"), 100),
        GenesisL2 = new BlockId(Hash256.Parse("0x2000000000000000000000000000000000000000000000000000000000000002"), 0),
        GenesisL2Time = 1_700_000_000,
        GenesisSystemConfig = new SystemConfig { BatcherAddress = Anvil.DevAddress, GasLimit = 30_000_000 },
        BlockTime = 2,
        MaxSequencerDrift = 600,
        SeqWindowSize = 10,
        ChannelTimeoutBedrock = 5,
        L1ChainId = 900,
        L2ChainId = 901,
        RegolithTime = 0,
        CanyonTime = 0,
        DeltaTime = 0,
        EcotoneTime = 0,
        FjordTime = 0,
        BatchInboxAddress = Address.Parse("0xff00000000000000000000000000000000000901"),
        DepositContractAddress = Address.Parse("0x4000000000000000000000000000000000000004"),
        L1SystemConfigAddress = Address.Parse("0x5000000000000000000000000000000000000005"),
    };

    private static readonly byte[] UserKey = Hex.Decode("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");

    public List<L2Block> Blocks { get; } = [];

    public ulong Safe { get; set; }

    public ulong HeadL1 { get; set; } = 100;

    /// <summary>The L1 block the node's derivation reads (by default past any head the fake L1 reaches: a synced node).</summary>
    public ulong CurrentL1 { get; set; } = 1_000_000;

    /// <summary>Blocks 0..count-1 (block 0 the genesis, without transactions of its own).</summary>
    public static TestL2Chain Build(int count, int transfersPerBlock = 3)
    {
        var chain = new TestL2Chain();
        ulong nonce = 0;
        Hash256 parent = Config.GenesisL2.Hash;
        for (ulong n = 0; n < (ulong)count; n++)
        {
            ulong epoch = 100 + (n / 3);
            var info = new L1BlockInfo
            {
                Number = epoch, Time = 1_699_999_990 + (epoch * 12), BaseFee = 7, BlockHash = HashOf("l1", epoch), SequenceNumber = n % 3,
                BatcherHash = L1BlockInfo.BatcherHashOf(Anvil.DevAddress), BlobBaseFee = 1, BaseFeeScalar = 1368, BlobBaseFeeScalar = 810949,
            };
            var transactions = new List<Transaction>
            {
                new()
                {
                    Type = TransactionType.Deposit, SourceHash = HashOf("source", n), From = Address.Parse("0xDeaDDEaDDeAdDeAdDEAdDEaddeAddEAdDEAd0001"),
                    To = Address.Parse("0x4200000000000000000000000000000000000015"), GasLimit = L1BlockInfo.DepositGasLimit, IsSystemTransaction = false,
                    Data = info.EncodeEcotone(),
                },
            };
            for (int i = 0; n > 0 && i < transfersPerBlock; i++)
            {
                transactions.Add(Anvil.Sign(
                    new Transaction
                    {
                        Type = TransactionType.DynamicFee, ChainId = Config.L2ChainId, Nonce = nonce++, MaxFeePerGas = 2_000_000_000UL, MaxPriorityFeePerGas = 1_000UL,
                        GasLimit = 60_000, To = Address.Parse("0x00000000000000000000000000000000000000aa"), Value = (UInt256)(n * 1000 + (ulong)i),
                        Data = Hex.Decode("0xa9059cbb000000000000000000000000" + "00000000000000000000000000000000000000bb" + (n * 7 + (ulong)i).ToString("x64")),
                    },
                    UserKey));
            }

            Hash256 hash = n == 0 ? Config.GenesisL2.Hash : HashOf("l2", n);
            chain.Blocks.Add(new L2Block(new L2BlockRef(hash, n, n == 0 ? Hash256.Zero : parent, Config.GenesisL2Time + (n * Config.BlockTime), new BlockId(info.BlockHash, epoch), info.SequenceNumber), transactions));
            parent = hash;
        }

        return chain;
    }

    public static Hash256 HashOf(string domain, ulong n) => Keccak256.Hash(System.Text.Encoding.ASCII.GetBytes($"{domain}{n}"));

    public List<string> Calls { get; } = [];

    public Task<JToken?> CallAsync(string method, object?[] parameters, CancellationToken cancellation)
    {
        Calls.Add(method);
        JToken? result = method switch
        {
            "optimism_syncStatus" => new JObject
            {
                ["unsafe_l2"] = RefJson(Blocks[^1].Ref),
                ["safe_l2"] = RefJson(Blocks[(int)Safe].Ref),
                ["head_l1"] = new JObject { ["number"] = HeadL1, ["hash"] = HashOf("l1", HeadL1).ToString(), ["parentHash"] = HashOf("l1", HeadL1 - 1).ToString(), ["timestamp"] = 1 },
                ["current_l1"] = new JObject { ["number"] = CurrentL1, ["hash"] = HashOf("l1", CurrentL1).ToString(), ["parentHash"] = HashOf("l1", CurrentL1 - 1).ToString(), ["timestamp"] = 1 },
            },
            "eth_getBlockByNumber" => BlockJson(Hyperion.Rpc.EthJson.ParseQuantity((string)parameters[0]!)),
            _ => throw new JsonRpcCallException(method, "Method not found", -32601),
        };
        return Task.FromResult(result);
    }

    private JToken? BlockJson(ulong number) => number >= (ulong)Blocks.Count ? null : new JObject
    {
        ["hash"] = Blocks[(int)number].Ref.Hash.ToString(),
        ["number"] = Q(number),
        ["parentHash"] = Blocks[(int)number].Ref.ParentHash.ToString(),
        ["timestamp"] = Q(Blocks[(int)number].Ref.Time),
        ["transactions"] = new JArray(Blocks[(int)number].Transactions.Select(TransactionJson)),
    };

    private static JObject RefJson(L2BlockRef r) => new()
    {
        ["hash"] = r.Hash.ToString(), ["number"] = r.Number, ["parentHash"] = r.ParentHash.ToString(), ["timestamp"] = r.Time,
        ["l1origin"] = new JObject { ["hash"] = r.L1Origin.Hash.ToString(), ["number"] = r.L1Origin.Number }, ["sequenceNumber"] = r.SequenceNumber,
    };

    /// <summary>op-geth's JSON of a deposit or an EIP-1559 transaction.</summary>
    public static JObject TransactionJson(Transaction tx)
    {
        var json = new JObject
        {
            ["type"] = Q((ulong)tx.Type), ["hash"] = tx.Hash.ToString(), ["gas"] = Q(tx.GasLimit), ["to"] = tx.To?.ToString(),
            ["value"] = tx.Value.ToHexString(), ["input"] = Hex.Encode(tx.Data.Span), ["nonce"] = Q(tx.Nonce),
        };
        if (tx.Type == TransactionType.Deposit)
        {
            json["sourceHash"] = tx.SourceHash.ToString();
            json["from"] = tx.From.ToString();
            json["mint"] = tx.Mint.ToHexString();
            json["isSystemTx"] = tx.IsSystemTransaction;
        }
        else
        {
            json["chainId"] = Q(tx.ChainId!.Value);
            json["maxFeePerGas"] = tx.MaxFeePerGas.ToHexString();
            json["maxPriorityFeePerGas"] = tx.MaxPriorityFeePerGas.ToHexString();
            json["accessList"] = new JArray();
            json["v"] = Q(tx.V);
            json["yParity"] = Q(tx.V);
            json["r"] = tx.R.ToHexString();
            json["s"] = tx.S.ToHexString();
        }

        return json;
    }

    private static string Q(ulong value) => Hyperion.Rpc.EthJson.Quantity(value);
}
