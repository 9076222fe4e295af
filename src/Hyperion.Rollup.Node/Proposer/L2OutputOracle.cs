using System.Numerics;
using Hyperion.Core;
using Hyperion.Rollup.Node.L1;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;

namespace Hyperion.Rollup.Node.Proposer;

/// <summary>An output as the oracle stores it: the root, the L1 timestamp of its proposal, and its L2 block.</summary>
public sealed record ProposedOutput(ulong Index, Hash256 OutputRoot, ulong Timestamp, ulong L2BlockNumber);

/// <summary>
/// The L1 <c>L2OutputOracle</c> (OP Bedrock's v1 ABI, see notes in docs/rollup.md): the getters the proposer,
/// challenger and withdrawal tooling read, and the two transactions they send.
/// </summary>
public sealed class L2OutputOracle(IJsonRpc l1, Address address)
{
    private readonly L1Contract _contract = new(l1, address);

    public Address Address => _contract.Address;

    public async Task<ulong> NextBlockNumberAsync(CancellationToken cancellation) => Abi.ToUInt64(await _contract.UIntAsync<NextBlockNumberFunction>(cancellation).ConfigureAwait(false));

    public async Task<ulong> LatestBlockNumberAsync(CancellationToken cancellation) => Abi.ToUInt64(await _contract.UIntAsync<LatestBlockNumberFunction>(cancellation).ConfigureAwait(false));

    public async Task<ulong> NextOutputIndexAsync(CancellationToken cancellation) => Abi.ToUInt64(await _contract.UIntAsync<NextOutputIndexFunction>(cancellation).ConfigureAwait(false));

    public async Task<ulong> FinalizationPeriodSecondsAsync(CancellationToken cancellation) => Abi.ToUInt64(await _contract.UIntAsync<FinalizationPeriodSecondsFunction>(cancellation).ConfigureAwait(false));

    public async Task<ulong> SubmissionIntervalAsync(CancellationToken cancellation) => Abi.ToUInt64(await _contract.UIntAsync<SubmissionIntervalFunction>(cancellation).ConfigureAwait(false));

    public async Task<ulong> ComputeL2TimestampAsync(ulong l2BlockNumber, CancellationToken cancellation) =>
        Abi.ToUInt64(await _contract.UIntAsync(cancellation, new ComputeL2TimestampFunction { L2BlockNumber = l2BlockNumber }).ConfigureAwait(false));

    /// <summary>The index of the first output at or after <paramref name="l2BlockNumber"/>; the call reverts when there is none.</summary>
    public async Task<ulong> OutputIndexAfterAsync(ulong l2BlockNumber, CancellationToken cancellation) =>
        Abi.ToUInt64(await _contract.UIntAsync(cancellation, new GetL2OutputIndexAfterFunction { L2BlockNumber = l2BlockNumber }).ConfigureAwait(false));

    public async Task<ProposedOutput> OutputAsync(ulong index, CancellationToken cancellation)
    {
        OutputProposal output = (await _contract.CallAsync<GetL2OutputFunction, GetL2OutputOutput>(new GetL2OutputFunction { Index = index }, cancellation).ConfigureAwait(false)).Output;
        return new ProposedOutput(index, Abi.ToHash(output.OutputRoot), Abi.ToUInt64(output.Timestamp), Abi.ToUInt64(output.L2BlockNumber));
    }

    public async Task<Address> ProposerAsync(CancellationToken cancellation) =>
        Abi.ToAddress((await _contract.CallAsync<ProposerFunction, AddressOutput>(new ProposerFunction(), cancellation).ConfigureAwait(false)).Value);

    public async Task<Address> ChallengerAsync(CancellationToken cancellation) =>
        Abi.ToAddress((await _contract.CallAsync<ChallengerFunction, AddressOutput>(new ChallengerFunction(), cancellation).ConfigureAwait(false)).Value);

    public Batcher.TxCandidate ProposeL2Output(in Hash256 outputRoot, ulong l2BlockNumber, in Hash256 l1BlockHash, ulong l1BlockNumber) =>
        _contract.Transaction(new ProposeL2OutputFunction
        {
            OutputRoot = outputRoot.Bytes.ToArray(), L2BlockNumber = l2BlockNumber, L1BlockHash = l1BlockHash.Bytes.ToArray(), L1BlockNumber = l1BlockNumber,
        });

    public Batcher.TxCandidate DeleteL2Outputs(ulong index) => _contract.Transaction(new DeleteL2OutputsFunction { Index = index });

    [Function("nextBlockNumber", "uint256")]
    public sealed class NextBlockNumberFunction : FunctionMessage;

    [Function("latestBlockNumber", "uint256")]
    public sealed class LatestBlockNumberFunction : FunctionMessage;

    [Function("nextOutputIndex", "uint256")]
    public sealed class NextOutputIndexFunction : FunctionMessage;

    [Function("FINALIZATION_PERIOD_SECONDS", "uint256")]
    public sealed class FinalizationPeriodSecondsFunction : FunctionMessage;

    [Function("SUBMISSION_INTERVAL", "uint256")]
    public sealed class SubmissionIntervalFunction : FunctionMessage;

    [Function("PROPOSER", "address")]
    public sealed class ProposerFunction : FunctionMessage;

    [Function("CHALLENGER", "address")]
    public sealed class ChallengerFunction : FunctionMessage;

    [Function("computeL2Timestamp", "uint256")]
    public sealed class ComputeL2TimestampFunction : FunctionMessage
    {
        [Parameter("uint256", "_l2BlockNumber", 1)]
        public BigInteger L2BlockNumber { get; set; }
    }

    [Function("getL2OutputIndexAfter", "uint256")]
    public sealed class GetL2OutputIndexAfterFunction : FunctionMessage
    {
        [Parameter("uint256", "_l2BlockNumber", 1)]
        public BigInteger L2BlockNumber { get; set; }
    }

    [Function("getL2Output")]
    public sealed class GetL2OutputFunction : FunctionMessage
    {
        [Parameter("uint256", "_l2OutputIndex", 1)]
        public BigInteger Index { get; set; }
    }

    [FunctionOutput]
    public sealed class GetL2OutputOutput : IFunctionOutputDTO
    {
        [Parameter("tuple", "", 1)]
        public OutputProposal Output { get; set; } = new();
    }

    /// <summary>Types.OutputProposal.</summary>
    public sealed class OutputProposal
    {
        [Parameter("bytes32", "outputRoot", 1)]
        public byte[] OutputRoot { get; set; } = [];

        [Parameter("uint128", "timestamp", 2)]
        public BigInteger Timestamp { get; set; }

        [Parameter("uint128", "l2BlockNumber", 3)]
        public BigInteger L2BlockNumber { get; set; }
    }

    [Function("proposeL2Output")]
    public sealed class ProposeL2OutputFunction : FunctionMessage
    {
        [Parameter("bytes32", "_outputRoot", 1)]
        public byte[] OutputRoot { get; set; } = [];

        [Parameter("uint256", "_l2BlockNumber", 2)]
        public BigInteger L2BlockNumber { get; set; }

        [Parameter("bytes32", "_l1BlockHash", 3)]
        public byte[] L1BlockHash { get; set; } = [];

        [Parameter("uint256", "_l1BlockNumber", 4)]
        public BigInteger L1BlockNumber { get; set; }
    }

    [Function("deleteL2Outputs")]
    public sealed class DeleteL2OutputsFunction : FunctionMessage
    {
        [Parameter("uint256", "_l2OutputIndex", 1)]
        public BigInteger Index { get; set; }
    }
}
