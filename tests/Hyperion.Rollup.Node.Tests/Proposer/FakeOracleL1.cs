using System.Text;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.Node.L1;
using Hyperion.Rpc;
using Newtonsoft.Json.Linq;

namespace Hyperion.Rollup.Node.Tests.Proposer;

/// <summary>
/// An L1 holding an L2OutputOracle with OP's rules, written from its specification by hand: eth_call of the getters,
/// and proposeL2Output / deleteL2Outputs executed on inclusion (each sent transaction is included at once), with
/// eth_estimateGas reverting where the contract would. Time is <see cref="Now"/>, set by the test.
/// </summary>
internal sealed class FakeOracleL1 : IJsonRpc
{
    public static readonly Address OracleAddress = Address.Parse("0x00000000000000000000000000000000000000aa");
    private readonly Dictionary<Hash256, JObject> _receipts = [];
    private readonly Dictionary<Address, ulong> _nonces = [];

    public List<(Hash256 Root, ulong Timestamp, ulong Block)> Outputs { get; } = [];

    public ulong SubmissionInterval { get; init; } = 2;

    public ulong StartingTime { get; init; } = 1000;

    public ulong Period { get; init; } = 12;

    public ulong Now { get; set; } = 2000;

    public ulong BlockNumber { get; set; } = 50;

    public Address Proposer { get; init; }

    public Address Challenger { get; init; }

    /// <summary>Calls the oracle executed (method name and sender), in order.</summary>
    public List<string> Executed { get; } = [];

    /// <summary>When set, the next call fails as a lost connection does.</summary>
    public bool FailNextCall { get; set; }

    public ulong LatestBlock => Outputs.Count == 0 ? 0 : Outputs[^1].Block;

    public static string Selector(string signature) => Hex.Encode(Keccak256.Hash(Encoding.ASCII.GetBytes(signature)).Bytes[..4], withPrefix: false);

    public Task<JToken?> CallAsync(string method, object?[] parameters, CancellationToken cancellation)
    {
        if (FailNextCall)
        {
            FailNextCall = false;
            throw new JsonRpcCallException(method, "could not be read: connection refused");
        }

        JToken? result = method switch
        {
            "eth_chainId" => "0x7a69",
            "eth_call" => Call(Data((JObject)parameters[0]!)),
            "eth_getBlockByNumber" => new JObject { ["number"] = EthJson.Quantity(BlockNumber), ["timestamp"] = EthJson.Quantity(Now), ["baseFeePerGas"] = "0x1" },
            "eth_getTransactionCount" => EthJson.Quantity(_nonces.GetValueOrDefault(Address.Parse((string)parameters[0]!))),
            "eth_maxPriorityFeePerGas" => "0x1",
            "eth_blobBaseFee" => "0x1",
            "eth_estimateGas" => Estimate((JObject)parameters[0]!),
            "eth_sendRawTransaction" => Send(EthJson.ParseData((string)parameters[0]!)),
            "eth_getTransactionReceipt" => _receipts.GetValueOrDefault(Hash256.Parse((string)parameters[0]!)),
            _ => throw new JsonRpcCallException(method, "Method not found", -32601),
        };
        return Task.FromResult(result);
    }

    private static byte[] Data(JObject call) => EthJson.ParseData((string)call["data"]!);

    private JToken Call(byte[] data)
    {
        string selector = Hex.Encode(data.AsSpan(0, 4), withPrefix: false);
        ulong Arg(int i) => (ulong)UInt256.FromBigEndian(data.AsSpan(4 + (32 * i), 32));
        if (selector == Selector("getL2Output(uint256)"))
        {
            int index = (int)Arg(0);
            if (index >= Outputs.Count)
            {
                throw Revert("index out of bounds");
            }

            return Words(new UInt256(Outputs[index].Timestamp), new UInt256(Outputs[index].Block), Outputs[index].Root);
        }

        return Words(selector switch
        {
            _ when selector == Selector("nextBlockNumber()") => new UInt256(LatestBlock + SubmissionInterval),
            _ when selector == Selector("latestBlockNumber()") => new UInt256(LatestBlock),
            _ when selector == Selector("nextOutputIndex()") => new UInt256((ulong)Outputs.Count),
            _ when selector == Selector("FINALIZATION_PERIOD_SECONDS()") => new UInt256(Period),
            _ when selector == Selector("SUBMISSION_INTERVAL()") => new UInt256(SubmissionInterval),
            _ when selector == Selector("computeL2Timestamp(uint256)") => new UInt256(StartingTime + Arg(0)),
            _ when selector == Selector("PROPOSER()") => UInt256.FromBigEndian(Proposer.Bytes),
            _ when selector == Selector("CHALLENGER()") => UInt256.FromBigEndian(Challenger.Bytes),
            _ => throw Revert("unknown selector " + selector),
        });
    }

    /// <summary>Runs a transaction's call against the oracle; throws the revert, or applies it when <paramref name="apply"/>.</summary>
    private void Execute(Address sender, byte[] data, bool apply)
    {
        string selector = Hex.Encode(data.AsSpan(0, 4), withPrefix: false);
        UInt256 Word(int i) => UInt256.FromBigEndian(data.AsSpan(4 + (32 * i), 32));
        if (selector == Selector("proposeL2Output(bytes32,uint256,bytes32,uint256)"))
        {
            ulong block = (ulong)Word(1);
            if (sender != Proposer)
            {
                throw Revert("L2OutputOracle: only the proposer address can propose new outputs");
            }

            if (block != LatestBlock + SubmissionInterval)
            {
                throw Revert("L2OutputOracle: block number must be equal to next expected block number");
            }

            if (StartingTime + block >= Now + 1)
            {
                throw Revert("L2OutputOracle: cannot propose L2 output in the future");
            }

            if (apply)
            {
                Outputs.Add((new Hash256(data.AsSpan(4, 32)), Now + 1, block));
                Executed.Add("proposeL2Output " + block);
            }
        }
        else if (selector == Selector("deleteL2Outputs(uint256)"))
        {
            int index = (int)(ulong)Word(0);
            if (sender != Challenger)
            {
                throw Revert("L2OutputOracle: only the challenger address can delete outputs");
            }

            if (index >= Outputs.Count)
            {
                throw Revert("L2OutputOracle: cannot delete outputs after the latest output index");
            }

            if (Outputs[index].Timestamp + Period <= Now + 1)
            {
                throw Revert("L2OutputOracle: cannot delete outputs that have already been finalized");
            }

            if (apply)
            {
                Outputs.RemoveRange(index, Outputs.Count - index);
                Executed.Add("deleteL2Outputs " + index);
            }
        }
        else
        {
            throw Revert("unknown selector " + selector);
        }
    }

    private JToken Estimate(JObject call)
    {
        Execute(Address.Parse((string)call["from"]!), Data(call), apply: false);
        return EthJson.Quantity(100_000);
    }

    private JToken Send(byte[] raw)
    {
        Assert.True(Transaction.TryDecodeNetwork(raw, out Transaction? tx, out _, out _));
        Assert.True(tx!.TryRecoverSender(out Address sender));
        Assert.Equal(OracleAddress, tx.To);
        Assert.Equal(_nonces.GetValueOrDefault(sender), tx.Nonce);
        _nonces[sender] = tx.Nonce + 1;
        ulong status = 1;
        try
        {
            Execute(sender, tx.Data.ToArray(), apply: true);
        }
        catch (JsonRpcCallException)
        {
            status = 0;
        }

        BlockNumber++;
        Now++;
        _receipts[tx.Hash] = new JObject
        {
            ["blockNumber"] = EthJson.Quantity(BlockNumber), ["gasUsed"] = "0x186a0", ["effectiveGasPrice"] = "0x1", ["status"] = EthJson.Quantity(status),
        };
        return tx.Hash.ToString();
    }

    private static JsonRpcCallException Revert(string reason) => new("eth_call", "execution reverted: " + reason, 3);

    private static JToken Words(params UInt256[] words) => Hex.Encode(words.SelectMany(w => w.ToBigEndian()).ToArray());

    private static JToken Words(UInt256 timestamp, UInt256 block, Hash256 root) => Hex.Encode([.. root.Bytes.ToArray(), .. timestamp.ToBigEndian(), .. block.ToBigEndian()]);
}

/// <summary>
/// A rollup node's <c>optimism_syncStatus</c> and <c>optimism_outputAtBlock</c> over a chain whose block n has
/// block hash, state root and storage root derived from n (and from <see cref="Fork"/>, to make a node that
/// disagrees).
/// </summary>
internal sealed class FakeRollupNode : IJsonRpc
{
    public ulong Safe { get; set; }

    public byte Fork { get; init; }

    public static Hash256 Part(ulong number, byte kind, byte fork) => Keccak256.Hash([kind, fork, .. new UInt256(number).ToBigEndian()]);

    public Hash256 OutputRoot(ulong number) =>
        Rpc.OptimismModule.OutputRoot(Part(number, 1, Fork), Part(number, 2, Fork), Part(number, 3, Fork));

    public Task<JToken?> CallAsync(string method, object?[] parameters, CancellationToken cancellation)
    {
        JToken? result = method switch
        {
            "optimism_syncStatus" => Status(),
            "optimism_outputAtBlock" => Output(EthJson.ParseQuantity((string)parameters[0]!)),
            _ => throw new JsonRpcCallException(method, "Method not found", -32601),
        };
        return Task.FromResult<JToken?>(result);
    }

    private JObject Output(ulong number)
    {
        if (number > Safe)
        {
            throw new JsonRpcCallException("optimism_outputAtBlock", "unknown block", -32000);
        }

        return new JObject
        {
            ["version"] = Hash256.Zero.ToString(),
            ["outputRoot"] = OutputRoot(number).ToString(),
            ["blockRef"] = Ref(number),
            ["withdrawalStorageRoot"] = Part(number, 2, Fork).ToString(),
            ["stateRoot"] = Part(number, 1, Fork).ToString(),
            ["syncStatus"] = Status(),
        };
    }

    private JObject Status() => new()
    {
        ["current_l1"] = L1Ref(40), ["head_l1"] = L1Ref(41), ["safe_l1"] = L1Ref(30), ["finalized_l1"] = L1Ref(20),
        ["unsafe_l2"] = Ref(Safe + 3), ["safe_l2"] = Ref(Safe), ["finalized_l2"] = Ref(0),
    };

    private static JObject L1Ref(ulong number) => new()
    {
        ["hash"] = Part(number, 9, 0).ToString(), ["number"] = number, ["parentHash"] = Part(number - 1, 9, 0).ToString(), ["timestamp"] = 1000 + number,
    };

    private JObject Ref(ulong number) => new()
    {
        ["hash"] = Part(number, 3, Fork).ToString(), ["number"] = number, ["parentHash"] = Part(number - 1, 3, Fork).ToString(), ["timestamp"] = 1000 + number,
        ["l1origin"] = new JObject { ["hash"] = Part(1, 9, 0).ToString(), ["number"] = 1 }, ["sequenceNumber"] = 0,
    };
}
