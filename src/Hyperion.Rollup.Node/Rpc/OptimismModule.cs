using System.Text.Json.Nodes;
using Hyperion.Chain;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Rollup.Node.Derivation;
using Hyperion.Rollup.Node.Engine;
using Hyperion.Rpc;
using Hyperion.Rpc.Eth;

namespace Hyperion.Rollup.Node.Rpc;

/// <summary>
/// op-node's <c>optimism_*</c> methods with its names and shapes: <c>optimism_syncStatus</c> (L1 and L2 heads),
/// <c>optimism_outputAtBlock</c> (the version-0 output root of an L2 block) and <c>optimism_rollupConfig</c>.
/// </summary>
public sealed class OptimismModule(RollupEngine engine, L1Status l1, IStateProofProvider proofs) : IRpcModule
{
    public void Register(RpcMethodRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry
            .Add("optimism_syncStatus", _ => SyncStatus())
            .Add("optimism_outputAtBlock", p => OutputAtBlock(BlockTag.Resolve(engine.Chain.Store, p, 0)))
            .Add("optimism_rollupConfig", _ => JsonNode.Parse(engine.Config.ToJson()));
    }

    /// <summary>
    /// The version-0 output root (specs/protocol/proposals.md): keccak256(version ‖ state root ‖ storage root of the
    /// L2ToL1MessagePasser ‖ block hash), the storage root being the empty trie's when the contract has no account.
    /// </summary>
    public static Hash256 OutputRoot(in Hash256 stateRoot, in Hash256 messagePasserStorageRoot, in Hash256 blockHash)
    {
        Span<byte> preimage = stackalloc byte[128];
        stateRoot.Bytes.CopyTo(preimage[32..]);
        messagePasserStorageRoot.Bytes.CopyTo(preimage[64..]);
        blockHash.Bytes.CopyTo(preimage[96..]);
        return Keccak256.Hash(preimage);
    }

    private JsonObject OutputAtBlock(StoredBlock block)
    {
        AccountProof proof = proofs.GetProof(block.Number, Predeploys.L2ToL1MessagePasser, [])
            ?? throw new RpcException($"the state of block {block.Number} is no longer kept");
        Hash256 storageRoot = proof.Account.StorageRoot;
        Hash256 stateRoot = block.Header.StateRoot;
        return new JsonObject
        {
            ["version"] = Hash256.Zero.ToString(),
            ["outputRoot"] = OutputRoot(stateRoot, storageRoot, block.Hash).ToString(),
            ["blockRef"] = Json(engine.RefOf(block)),
            ["withdrawalStorageRoot"] = storageRoot.ToString(),
            ["stateRoot"] = stateRoot.ToString(),
            ["syncStatus"] = SyncStatus(),
        };
    }

    private JsonObject SyncStatus()
    {
        RollupHeads heads = engine.Heads;
        L1Status.Snapshot snapshot = l1.Current;
        return new JsonObject
        {
            ["current_l1"] = Json(snapshot.CurrentL1),
            ["current_l1_finalized"] = Json(snapshot.Finalized),
            ["head_l1"] = Json(snapshot.Head),
            ["safe_l1"] = Json(snapshot.Safe),
            ["finalized_l1"] = Json(snapshot.Finalized),
            ["unsafe_l2"] = Json(heads.Unsafe),
            ["safe_l2"] = Json(heads.Safe),
            ["finalized_l2"] = Json(heads.Finalized),
            ["pending_safe_l2"] = Json(engine.PendingSafe),
            ["cross_unsafe_l2"] = Json(heads.Unsafe),
            ["local_safe_l2"] = Json(heads.Safe),
        };
    }

    private static JsonObject Json(L1BlockRef? block) => block is { } b
        ? new JsonObject { ["hash"] = b.Hash.ToString(), ["number"] = b.Number, ["parentHash"] = b.ParentHash.ToString(), ["timestamp"] = b.Time }
        : new JsonObject { ["hash"] = Hash256.Zero.ToString(), ["number"] = 0, ["parentHash"] = Hash256.Zero.ToString(), ["timestamp"] = 0 };

    private static JsonObject Json(L2BlockRef b) => new()
    {
        ["hash"] = b.Hash.ToString(),
        ["number"] = b.Number,
        ["parentHash"] = b.ParentHash.ToString(),
        ["timestamp"] = b.Time,
        ["l1origin"] = new JsonObject { ["hash"] = b.L1Origin.Hash.ToString(), ["number"] = b.L1Origin.Number },
        ["sequenceNumber"] = b.SequenceNumber,
    };
}
