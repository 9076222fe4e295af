using System.Globalization;
using Hyperion.Core;
using Hyperion.Rollup.Node.Batcher;
using Hyperion.Rollup.Node.L1;
using Hyperion.Rollup.Node.Proposer;
using Hyperion.Rpc;
using Newtonsoft.Json.Linq;

namespace Hyperion.Rollup.Node.Withdrawals;

/// <summary>Where a withdrawal stands (viem's getWithdrawalStatus has the same steps).</summary>
public enum WithdrawalPhase
{
    /// <summary>No output covers its L2 block yet.</summary>
    WaitingForOutput,

    /// <summary>An output covers it and it is not (validly) proven.</summary>
    ReadyToProve,

    /// <summary>Proven; the finalization window has not passed.</summary>
    InWindow,

    /// <summary>Proven and the window has passed.</summary>
    ReadyToFinalize,

    Finalized,
}

/// <summary>A withdrawal's phase, its proof if any, and for <see cref="WithdrawalPhase.InWindow"/> the seconds left.</summary>
public sealed record WithdrawalStatus(WithdrawalPhase Phase, ProvenWithdrawal? Proven, ulong SecondsLeft, string Detail);

/// <summary>What the portal's proveWithdrawalTransaction takes besides the withdrawal: the output and the two proofs.</summary>
public sealed record WithdrawalProof(ulong L2OutputIndex, ProposedOutput Output, OutputRootProof OutputRootProof, IReadOnlyList<byte[]> StorageProof);

/// <summary>
/// <c>hyperion withdraw status|prove|finalize</c>: reads the MessagePassed logs of an L2 transaction, finds the output
/// that covers it (<c>getL2OutputIndexAfter</c>), proves it with <c>eth_getProof</c> of the message passer at the
/// output's L2 block, and finalizes it after the window.
/// </summary>
public sealed class WithdrawalService(IJsonRpc l1, IJsonRpc l2, OptimismPortalWithdrawals portal, L2OutputOracle oracle)
{
    /// <summary>The withdrawals the L2 transaction <paramref name="l2TransactionHash"/> started.</summary>
    /// <exception cref="InvalidOperationException">L2 has no such transaction, it failed, or it started no withdrawal.</exception>
    public async Task<IReadOnlyList<InitiatedWithdrawal>> FindAsync(Hash256 l2TransactionHash, CancellationToken cancellation)
    {
        JToken receipt = await l2.CallAsync("eth_getTransactionReceipt", [l2TransactionHash.ToString()], cancellation).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"L2 has no receipt for {l2TransactionHash} (not included yet, or not an L2 transaction)");
        if (RpcObjects.Quantity(receipt, "status") != 1)
        {
            throw new InvalidOperationException($"L2 transaction {l2TransactionHash} failed; it started no withdrawal");
        }

        IReadOnlyList<InitiatedWithdrawal> found = MessagePassedEvent.FromReceipt(receipt);
        return found.Count > 0 ? found : throw new InvalidOperationException($"L2 transaction {l2TransactionHash} started no withdrawal (no MessagePassed log)");
    }

    public async Task<WithdrawalStatus> StatusAsync(InitiatedWithdrawal withdrawal, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(withdrawal);
        if (await portal.FinalizedAsync(withdrawal.WithdrawalHash, cancellation).ConfigureAwait(false))
        {
            return new WithdrawalStatus(WithdrawalPhase.Finalized, null, 0, "finalized on L1");
        }

        ulong period = await oracle.FinalizationPeriodSecondsAsync(cancellation).ConfigureAwait(false);
        ulong now = await L1Contract.LatestTimeAsync(l1, cancellation).ConfigureAwait(false);
        ulong outputs = await oracle.NextOutputIndexAsync(cancellation).ConfigureAwait(false);
        ProvenWithdrawal? proven = await portal.ProvenAsync(withdrawal.WithdrawalHash, cancellation).ConfigureAwait(false);
        ProposedOutput? provenOutput = proven is not null && proven.L2OutputIndex < outputs
            ? await oracle.OutputAsync(proven.L2OutputIndex, cancellation).ConfigureAwait(false)
            : null;
        ulong latest = outputs == 0 ? 0 : await oracle.LatestBlockNumberAsync(cancellation).ConfigureAwait(false);
        return Classify(withdrawal.L2BlockNumber, outputs > 0 && latest >= withdrawal.L2BlockNumber, proven, provenOutput, now, period);
    }

    /// <summary>
    /// The phase from what L1 holds: a proof counts only while the output it was proven against is still in the
    /// oracle (a deleted output makes it void: prove again); finalization needs the window to have passed for both the
    /// proof and the output, strictly before the next L1 block's time.
    /// </summary>
    public static WithdrawalStatus Classify(ulong l2Block, bool covered, ProvenWithdrawal? proven, ProposedOutput? provenOutput, ulong now, ulong period)
    {
        if (proven is not null && provenOutput is not null && provenOutput.OutputRoot == proven.OutputRoot)
        {
            ulong deadline = Math.Max(proven.Timestamp, provenOutput.Timestamp) + period;
            return now >= deadline
                ? new WithdrawalStatus(WithdrawalPhase.ReadyToFinalize, proven, 0, string.Create(CultureInfo.InvariantCulture, $"proven against output {proven.L2OutputIndex}; the window has passed"))
                : new WithdrawalStatus(WithdrawalPhase.InWindow, proven, deadline - now, string.Create(CultureInfo.InvariantCulture, $"proven against output {proven.L2OutputIndex}; {deadline - now} s of the window left"));
        }

        string voided = proven is null ? "" : string.Create(CultureInfo.InvariantCulture, $" (the output {proven.L2OutputIndex} it was proven against was deleted)");
        return covered
            ? new WithdrawalStatus(WithdrawalPhase.ReadyToProve, proven, 0, "an output covers L2 block " + l2Block.ToString(CultureInfo.InvariantCulture) + voided)
            : new WithdrawalStatus(WithdrawalPhase.WaitingForOutput, proven, 0, "no output covers L2 block " + l2Block.ToString(CultureInfo.InvariantCulture) + " yet" + voided);
    }

    /// <summary>
    /// The proof of <paramref name="withdrawal"/> against the first output at or after its block: the message
    /// passer's storage proof of <c>sentMessages[hash]</c> at the output's L2 block, checked against the output root.
    /// </summary>
    /// <exception cref="InvalidOperationException">No output covers it yet, or the output does not match the L2 node's chain.</exception>
    public async Task<WithdrawalProof> BuildProofAsync(InitiatedWithdrawal withdrawal, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(withdrawal);
        ulong outputs = await oracle.NextOutputIndexAsync(cancellation).ConfigureAwait(false);
        if (outputs == 0 || await oracle.LatestBlockNumberAsync(cancellation).ConfigureAwait(false) < withdrawal.L2BlockNumber)
        {
            throw new InvalidOperationException($"no output covers L2 block {withdrawal.L2BlockNumber} yet");
        }

        ulong index = await oracle.OutputIndexAfterAsync(withdrawal.L2BlockNumber, cancellation).ConfigureAwait(false);
        ProposedOutput output = await oracle.OutputAsync(index, cancellation).ConfigureAwait(false);
        string block = "0x" + output.L2BlockNumber.ToString("x", CultureInfo.InvariantCulture);
        JToken header = await l2.CallAsync("eth_getBlockByNumber", [block, false], cancellation).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"the L2 node has no block {output.L2BlockNumber}");
        Hash256 slot = WithdrawalTransaction.StorageSlot(withdrawal.WithdrawalHash);
        JToken proof = await l2.CallAsync("eth_getProof", [Predeploys.L2ToL1MessagePasser.ToString(), new JArray(slot.ToString()), block], cancellation).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"the L2 node gave no proof at block {output.L2BlockNumber}");
        Hash256 stateRoot = RpcObjects.Hash(header, "stateRoot");
        Hash256 blockHash = RpcObjects.Hash(header, "hash");
        Hash256 storageRoot = RpcObjects.Hash(proof, "storageHash");
        if (Rpc.OptimismModule.OutputRoot(stateRoot, storageRoot, blockHash) != output.OutputRoot)
        {
            throw new InvalidOperationException(
                $"output {index} ({output.OutputRoot}, L2 block {output.L2BlockNumber}) does not match the L2 node's chain; it may be wrong and about to be deleted");
        }

        JToken storage = RpcObjects.Array(proof, "storageProof").FirstOrDefault() ?? throw new FormatException("eth_getProof: storageProof is empty");
        if (EthJson.ParseQuantity((string?)storage["value"] ?? "0x0") != 1)
        {
            throw new InvalidOperationException($"the message passer does not hold withdrawal {withdrawal.WithdrawalHash} at L2 block {output.L2BlockNumber}");
        }

        byte[][] nodes = [.. RpcObjects.Array(storage, "proof").Select(n => EthJson.ParseData((string?)n ?? throw new FormatException("eth_getProof: a proof node is null")))];
        var rootProof = new OutputRootProof
        {
            StateRoot = stateRoot.Bytes.ToArray(), MessagePasserStorageRoot = storageRoot.Bytes.ToArray(), LatestBlockhash = blockHash.Bytes.ToArray(),
        };
        return new WithdrawalProof(index, output, rootProof, nodes);
    }

    /// <summary>Proves <paramref name="withdrawal"/> on L1 and returns the included transaction.</summary>
    /// <exception cref="InvalidOperationException">It cannot be proven now (see <see cref="BuildProofAsync"/>) or the transaction reverted.</exception>
    /// <exception cref="JsonRpcCallException">L1 refused the transaction (e.g. the portal reverts it).</exception>
    public async Task<TxInclusion> ProveAsync(InitiatedWithdrawal withdrawal, TxManager transactions, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(withdrawal);
        ArgumentNullException.ThrowIfNull(transactions);
        WithdrawalProof proof = await BuildProofAsync(withdrawal, cancellation).ConfigureAwait(false);
        return Succeeded(await transactions.SendAsync(portal.Prove(withdrawal.Transaction, proof.L2OutputIndex, proof.OutputRootProof, proof.StorageProof), cancellation).ConfigureAwait(false), "prove");
    }

    /// <summary>Finalizes <paramref name="withdrawal"/> on L1 and returns the included transaction.</summary>
    /// <exception cref="JsonRpcCallException">L1 refused the transaction (not proven, window not passed, already finalized).</exception>
    public async Task<TxInclusion> FinalizeAsync(InitiatedWithdrawal withdrawal, TxManager transactions, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(withdrawal);
        ArgumentNullException.ThrowIfNull(transactions);
        return Succeeded(await transactions.SendAsync(portal.Finalize(withdrawal.Transaction), cancellation).ConfigureAwait(false), "finalize");
    }

    private static TxInclusion Succeeded(TxInclusion included, string what) =>
        included.Succeeded ? included : throw new InvalidOperationException($"the {what} transaction {included.Hash} reverted in L1 block {included.BlockNumber}");
}
