using System.Globalization;
using Hyperion.Core;
using Hyperion.Rollup.Node.L1;
using Newtonsoft.Json.Linq;

namespace Hyperion.Rollup.Node.Proposer;

/// <summary>
/// An output as a rollup node computes it (<c>optimism_outputAtBlock</c>): the version-0 root and its parts, and the
/// L1 block the node had read up to when it answered.
/// </summary>
public sealed record L2Output(ulong BlockNumber, Hash256 BlockHash, Hash256 OutputRoot, Hash256 StateRoot, Hash256 WithdrawalStorageRoot, BlockId CurrentL1, ulong SafeL2);

/// <summary>
/// <c>optimism_outputAtBlock</c> of a rollup node. Failures throw <see cref="JsonRpcCallException"/> (the node
/// could not be read, or it does not have the block) or <see cref="FormatException"/>.
/// </summary>
public sealed class OutputSource(IJsonRpc node)
{
    public async Task<L2Output> OutputAtBlockAsync(ulong number, CancellationToken cancellation)
    {
        JToken answer = await node.CallAsync("optimism_outputAtBlock", ["0x" + number.ToString("x", CultureInfo.InvariantCulture)], cancellation).ConfigureAwait(false)
            ?? throw new FormatException($"optimism_outputAtBlock({number}) answered null");
        JToken block = answer["blockRef"] ?? throw new FormatException("optimism_outputAtBlock: blockRef missing");
        JToken status = answer["syncStatus"] ?? throw new FormatException("optimism_outputAtBlock: syncStatus missing");
        JToken currentL1 = status["current_l1"] ?? throw new FormatException("optimism_outputAtBlock: syncStatus.current_l1 missing");
        JToken safe = status["safe_l2"] ?? throw new FormatException("optimism_outputAtBlock: syncStatus.safe_l2 missing");
        var output = new L2Output(
            Number(block["number"], "blockRef.number"), RpcObjects.Hash(block, "hash"), RpcObjects.Hash(answer, "outputRoot"), RpcObjects.Hash(answer, "stateRoot"),
            RpcObjects.Hash(answer, "withdrawalStorageRoot"), new BlockId(RpcObjects.Hash(currentL1, "hash"), Number(currentL1["number"], "current_l1.number")),
            Number(safe["number"], "safe_l2.number"));
        if (output.BlockNumber != number)
        {
            throw new FormatException($"asked for the output of L2 block {number}, got block {output.BlockNumber}");
        }

        // The root must be what its parts give: a node that answers otherwise is not to be trusted with a proposal.
        if (Rpc.OptimismModule.OutputRoot(output.StateRoot, output.WithdrawalStorageRoot, output.BlockHash) != output.OutputRoot)
        {
            throw new FormatException($"optimism_outputAtBlock({number}): the output root does not match its state root, storage root and block hash");
        }

        return output;
    }

    private static ulong Number(JToken? token, string name) => Batcher.RollupNodeClient.Number(token, "outputAtBlock " + name);
}
