using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Rollup.Node.Batcher;
using Hyperion.Rollup.Node.Challenger;
using Hyperion.Rollup.Node.L1;
using Hyperion.Rollup.Node.Proposer;

namespace Hyperion.Rollup.Node.Tests.Proposer;

public sealed class ProposerAndChallengerTests
{
    private static readonly byte[] ProposerKey = Keccak256.Hash("proposer"u8).Bytes.ToArray();
    private static readonly byte[] ChallengerKey = Keccak256.Hash("challenger"u8).Bytes.ToArray();

    private static FakeOracleL1 NewL1() => new()
    {
        Proposer = Secp256k1.AddressFromPrivateKey(ProposerKey), Challenger = Secp256k1.AddressFromPrivateKey(ChallengerKey),
    };

    private static TxManager Transactions(IJsonRpc l1, byte[] key) =>
        new(l1, 31337, key, FakeOracleL1.OracleAddress, () => throw new InvalidOperationException("no blobs"), new TxManagerOptions { PollInterval = TimeSpan.Zero });

    private static OutputProposer NewProposer(FakeOracleL1 l1, FakeRollupNode node, byte[]? key = null) =>
        new(new L2OutputOracle(l1, FakeOracleL1.OracleAddress), new RollupNodeClient(node), new OutputSource(node), Transactions(l1, key ?? ProposerKey), l1);

    private static OutputChallenger NewChallenger(FakeOracleL1 l1, FakeRollupNode verifier) =>
        new(new L2OutputOracle(l1, FakeOracleL1.OracleAddress), new RollupNodeClient(verifier), new OutputSource(verifier), Transactions(l1, ChallengerKey), l1);

    [Fact]
    public async Task Proposes_each_due_safe_block_once_and_a_restart_continues_without_duplicates()
    {
        FakeOracleL1 l1 = NewL1();
        var node = new FakeRollupNode { Safe = 5 };
        OutputProposer proposer = NewProposer(l1, node);

        PostedOutput? first = await proposer.StepAsync(CancellationToken.None);
        PostedOutput? second = await proposer.StepAsync(CancellationToken.None);
        Assert.Null(await proposer.StepAsync(CancellationToken.None)); // block 6 is not safe yet

        Assert.Equal(2UL, first!.L2BlockNumber);
        Assert.Equal(4UL, second!.L2BlockNumber);
        Assert.Equal(node.OutputRoot(2), l1.Outputs[0].Root);
        Assert.Equal(node.OutputRoot(4), l1.Outputs[1].Root);
        Assert.Equal(new BlockId(FakeRollupNode.Part(40, 9, 0), 40), first.L1Block);

        node.Safe = 9;
        OutputProposer restarted = NewProposer(l1, node); // a new process: state from the oracle, nonce from L1
        Assert.Equal(6UL, (await restarted.StepAsync(CancellationToken.None))!.L2BlockNumber);
        Assert.Equal(8UL, (await restarted.StepAsync(CancellationToken.None))!.L2BlockNumber);
        Assert.Equal(["proposeL2Output 2", "proposeL2Output 4", "proposeL2Output 6", "proposeL2Output 8"], l1.Executed);
    }

    [Fact]
    public async Task Waits_until_the_blocks_L2_time_has_passed_on_L1()
    {
        FakeOracleL1 l1 = NewL1();
        l1.Now = 1001; // block 2's L2 time is 1002
        OutputProposer proposer = NewProposer(l1, new FakeRollupNode { Safe = 10 });
        Assert.Null(await proposer.StepAsync(CancellationToken.None));
        Assert.Empty(l1.Outputs);
        l1.Now = 1003;
        Assert.NotNull(await proposer.StepAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_refused_proposal_or_an_L1_failure_is_survived_and_retried()
    {
        FakeOracleL1 l1 = NewL1();
        var node = new FakeRollupNode { Safe = 10 };
        OutputProposer stranger = NewProposer(l1, node, key: ChallengerKey); // not the PROPOSER
        Assert.Null(await stranger.StepAsync(CancellationToken.None));
        Assert.Empty(l1.Outputs);

        OutputProposer proposer = NewProposer(l1, node);
        l1.FailNextCall = true;
        await Assert.ThrowsAsync<JsonRpcCallException>(() => proposer.StepAsync(CancellationToken.None));
        Assert.NotNull(await proposer.StepAsync(CancellationToken.None));

        using var stop = new CancellationTokenSource();
        l1.FailNextCall = true;
        Task run = new OutputProposer(new L2OutputOracle(l1, FakeOracleL1.OracleAddress), new RollupNodeClient(node), new OutputSource(node), Transactions(l1, ProposerKey), l1)
        {
            PollInterval = TimeSpan.FromMilliseconds(5),
        }.RunAsync(stop.Token);
        // Bounded only so that a broken loop fails the test instead of hanging it: a loaded machine may take seconds.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (l1.LatestBlock < 10 && waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(10);
        }

        await stop.CancelAsync();
        await run;
        Assert.Equal(10UL, l1.LatestBlock);
    }

    [Fact]
    public async Task The_challenger_deletes_a_wrong_output_and_never_a_correct_one()
    {
        FakeOracleL1 l1 = NewL1();
        var honest = new FakeRollupNode { Safe = 8 };
        var rogue = new FakeRollupNode { Safe = 8, Fork = 1 };
        await NewProposer(l1, honest).StepAsync(CancellationToken.None); // block 2, correct
        await NewProposer(l1, rogue).StepAsync(CancellationToken.None);  // block 4, wrong
        await NewProposer(l1, honest).StepAsync(CancellationToken.None); // block 6, correct but after a wrong one

        var verifier = new FakeRollupNode { Safe = 8 };
        OutputChallenger challenger = NewChallenger(l1, verifier);
        IReadOnlyList<OutputCheck> checks = await challenger.StepAsync(CancellationToken.None);

        Assert.Equal([OutputVerdict.Correct, OutputVerdict.Deleted], checks.Select(c => c.Verdict));
        Assert.Equal(4UL, checks[1].L2BlockNumber);
        Assert.Equal(rogue.OutputRoot(4), checks[1].Proposed);
        Assert.Equal(honest.OutputRoot(4), checks[1].Computed);
        Assert.Equal([(honest.OutputRoot(2), 2UL)], l1.Outputs.Select(o => (o.Root, o.Block)));

        // The honest proposer posts again; the challenger checks the new ones and leaves them.
        await NewProposer(l1, honest).StepAsync(CancellationToken.None);
        await NewProposer(l1, honest).StepAsync(CancellationToken.None);
        checks = await challenger.StepAsync(CancellationToken.None);
        Assert.Equal([OutputVerdict.Correct, OutputVerdict.Correct], checks.Select(c => c.Verdict));
        Assert.Equal(3, l1.Outputs.Count);
        Assert.Equal(1, l1.Executed.Count(e => e.StartsWith("deleteL2Outputs", StringComparison.Ordinal)));
        Assert.Equal(3L, (long)challenger.Status()["correct"]!);
        Assert.Equal(1L, (long)challenger.Status()["deleted"]!);
    }

    [Fact]
    public async Task The_challenger_waits_for_its_verifier_and_does_not_judge_on_an_error()
    {
        FakeOracleL1 l1 = NewL1();
        await NewProposer(l1, new FakeRollupNode { Safe = 8, Fork = 1 }).StepAsync(CancellationToken.None); // wrong output of block 2
        var verifier = new FakeRollupNode { Safe = 1 };
        OutputChallenger challenger = NewChallenger(l1, verifier);

        Assert.Empty(await challenger.StepAsync(CancellationToken.None)); // the verifier has not derived block 2
        Assert.Single(l1.Outputs);
        l1.FailNextCall = true;
        await Assert.ThrowsAsync<JsonRpcCallException>(() => challenger.StepAsync(CancellationToken.None));
        Assert.Single(l1.Outputs);

        verifier.Safe = 2;
        Assert.Equal(OutputVerdict.Deleted, Assert.Single(await challenger.StepAsync(CancellationToken.None)).Verdict);
        Assert.Empty(l1.Outputs);
    }

    [Fact]
    public async Task A_wrong_output_past_its_window_is_reported_not_deleted_and_a_restart_skips_finalized_outputs()
    {
        FakeOracleL1 l1 = NewL1();
        await NewProposer(l1, new FakeRollupNode { Safe = 8, Fork = 1 }).StepAsync(CancellationToken.None); // wrong, block 2
        var verifier = new FakeRollupNode { Safe = 8 };
        l1.Now += l1.Period + 5;
        OutputChallenger late = NewChallenger(l1, verifier);
        Assert.Empty(await late.StepAsync(CancellationToken.None)); // a fresh challenger starts at the first output in the window
        Assert.Equal(1UL, late.NextIndex);

        FakeOracleL1 other = NewL1();
        await NewProposer(other, new FakeRollupNode { Safe = 8, Fork = 1 }).StepAsync(CancellationToken.None);
        OutputChallenger running = NewChallenger(other, verifier);
        Assert.Equal(OutputVerdict.Deleted, Assert.Single(await running.StepAsync(CancellationToken.None)).Verdict);

        FakeOracleL1 third = NewL1();
        OutputChallenger watching = NewChallenger(third, verifier);
        Assert.Empty(await watching.StepAsync(CancellationToken.None)); // starts at index 0 of an empty oracle
        await NewProposer(third, new FakeRollupNode { Safe = 8, Fork = 1 }).StepAsync(CancellationToken.None);
        third.Now += third.Period + 5; // its window passed before the challenger looked
        Assert.Equal(OutputVerdict.WrongPastWindow, Assert.Single(await watching.StepAsync(CancellationToken.None)).Verdict);
        Assert.Single(third.Outputs);
    }

    [Fact]
    public async Task Stopped_in_the_middle_of_a_send_the_loops_end_without_an_error()
    {
        FakeOracleL1 l1 = NewL1();
        using var stop = new CancellationTokenSource();
        stop.CancelAfter(TimeSpan.FromSeconds(60)); // a loop that never sends fails the assertion below instead of hanging
        var stopping = new StopOnSend(l1, stop);
        var node = new FakeRollupNode { Safe = 10 };
        Task proposing = new OutputProposer(new L2OutputOracle(stopping, FakeOracleL1.OracleAddress), new RollupNodeClient(node), new OutputSource(node), Transactions(stopping, ProposerKey), stopping)
        {
            PollInterval = TimeSpan.FromMilliseconds(5),
        }.RunAsync(stop.Token);
        await proposing; // ends, and without an OperationCanceledException
        Assert.Equal(2UL, l1.LatestBlock); // the transaction sent before the stop was included

        using var stopChallenger = new CancellationTokenSource();
        stopChallenger.CancelAfter(TimeSpan.FromSeconds(60)); // a loop that never sends fails the assertion below instead of hanging
        var stoppingChallenger = new StopOnSend(l1, stopChallenger);
        var rogue = new FakeRollupNode { Safe = 10, Fork = 1 };
        Task challenging = new OutputChallenger(new L2OutputOracle(stoppingChallenger, FakeOracleL1.OracleAddress), new RollupNodeClient(rogue), new OutputSource(rogue),
            Transactions(stoppingChallenger, ChallengerKey), stoppingChallenger)
        {
            PollInterval = TimeSpan.FromMilliseconds(5),
        }.RunAsync(stopChallenger.Token);
        await challenging;
        Assert.Empty(l1.Outputs); // the deletion sent before the stop was included
    }
}
