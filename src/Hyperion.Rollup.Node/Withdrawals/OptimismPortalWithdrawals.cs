using System.Numerics;
using Hyperion.Core;
using Hyperion.Rollup.Node.L1;
using Hyperion.Rollup.Node.Proposer;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;

namespace Hyperion.Rollup.Node.Withdrawals;

/// <summary>A proof the portal holds: the output root it was proven against, when, and the output's index.</summary>
public sealed record ProvenWithdrawal(Hash256 OutputRoot, ulong Timestamp, ulong L2OutputIndex);

/// <summary>OP's <c>Types.OutputRootProof</c> (version 0).</summary>
public sealed class OutputRootProof
{
    [Parameter("bytes32", "version", 1)]
    public byte[] Version { get; set; } = new byte[32];

    [Parameter("bytes32", "stateRoot", 2)]
    public byte[] StateRoot { get; set; } = [];

    [Parameter("bytes32", "messagePasserStorageRoot", 3)]
    public byte[] MessagePasserStorageRoot { get; set; } = [];

    [Parameter("bytes32", "latestBlockhash", 4)]
    public byte[] LatestBlockhash { get; set; } = [];
}

/// <summary>
/// The withdrawal side of the L1 <c>OptimismPortal</c> (OP's pre-fault-proof ABI): its oracle, the proven and
/// finalized records, and the prove and finalize transactions.
/// </summary>
public sealed class OptimismPortalWithdrawals(IJsonRpc l1, Address address)
{
    private readonly L1Contract _contract = new(l1, address);

    public Address Address => _contract.Address;

    public async Task<Address> L2OracleAsync(CancellationToken cancellation) =>
        Abi.ToAddress((await _contract.CallAsync<L2OracleFunction, AddressOutput>(new L2OracleFunction(), cancellation).ConfigureAwait(false)).Value);

    /// <summary>The proof the portal holds for <paramref name="withdrawalHash"/>, or null when it has none.</summary>
    public async Task<ProvenWithdrawal?> ProvenAsync(Hash256 withdrawalHash, CancellationToken cancellation)
    {
        ProvenWithdrawalsOutput proven = await _contract.CallAsync<ProvenWithdrawalsFunction, ProvenWithdrawalsOutput>(
            new ProvenWithdrawalsFunction { WithdrawalHash = withdrawalHash.Bytes.ToArray() }, cancellation).ConfigureAwait(false);
        return proven.Timestamp.IsZero ? null : new ProvenWithdrawal(Abi.ToHash(proven.OutputRoot), Abi.ToUInt64(proven.Timestamp), Abi.ToUInt64(proven.L2OutputIndex));
    }

    public async Task<bool> FinalizedAsync(Hash256 withdrawalHash, CancellationToken cancellation) =>
        (await _contract.CallAsync<FinalizedWithdrawalsFunction, BoolOutput>(new FinalizedWithdrawalsFunction { WithdrawalHash = withdrawalHash.Bytes.ToArray() }, cancellation)
            .ConfigureAwait(false)).Value;

    public Batcher.TxCandidate Prove(WithdrawalTransaction withdrawal, ulong l2OutputIndex, OutputRootProof outputRootProof, IReadOnlyList<byte[]> withdrawalProof) =>
        _contract.Transaction(new ProveWithdrawalTransactionFunction
        {
            Withdrawal = withdrawal, L2OutputIndex = l2OutputIndex, OutputRootProof = outputRootProof, WithdrawalProof = [.. withdrawalProof],
        });

    public Batcher.TxCandidate Finalize(WithdrawalTransaction withdrawal) => _contract.Transaction(new FinalizeWithdrawalTransactionFunction { Withdrawal = withdrawal });

    [Function("l2Oracle", "address")]
    public sealed class L2OracleFunction : FunctionMessage;

    [Function("provenWithdrawals")]
    public sealed class ProvenWithdrawalsFunction : FunctionMessage
    {
        [Parameter("bytes32", "", 1)]
        public byte[] WithdrawalHash { get; set; } = [];
    }

    [FunctionOutput]
    public sealed class ProvenWithdrawalsOutput : IFunctionOutputDTO
    {
        [Parameter("bytes32", "outputRoot", 1)]
        public byte[] OutputRoot { get; set; } = [];

        [Parameter("uint128", "timestamp", 2)]
        public BigInteger Timestamp { get; set; }

        [Parameter("uint128", "l2OutputIndex", 3)]
        public BigInteger L2OutputIndex { get; set; }
    }

    [Function("finalizedWithdrawals", "bool")]
    public sealed class FinalizedWithdrawalsFunction : FunctionMessage
    {
        [Parameter("bytes32", "", 1)]
        public byte[] WithdrawalHash { get; set; } = [];
    }

    [Function("proveWithdrawalTransaction")]
    public sealed class ProveWithdrawalTransactionFunction : FunctionMessage
    {
        [Parameter("tuple", "_tx", 1)]
        public WithdrawalTransaction Withdrawal { get; set; } = new();

        [Parameter("uint256", "_l2OutputIndex", 2)]
        public BigInteger L2OutputIndex { get; set; }

        [Parameter("tuple", "_outputRootProof", 3)]
        public OutputRootProof OutputRootProof { get; set; } = new();

        [Parameter("bytes[]", "_withdrawalProof", 4)]
        public List<byte[]> WithdrawalProof { get; set; } = [];
    }

    [Function("finalizeWithdrawalTransaction")]
    public sealed class FinalizeWithdrawalTransactionFunction : FunctionMessage
    {
        [Parameter("tuple", "_tx", 1)]
        public WithdrawalTransaction Withdrawal { get; set; } = new();
    }
}
