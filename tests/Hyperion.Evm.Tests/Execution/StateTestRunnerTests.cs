using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Evm;
using Hyperion.Execution.Specs;
using Hyperion.Execution.StateTests;
using Hyperion.State.World;

namespace Hyperion.Evm.Tests.Execution;

public sealed class StateTestRunnerTests
{
    private static string GeneralStateTests(string directory) => Fixtures.EthereumTests("GeneralStateTests", directory);

    [Fact]
    public void Logs_hash_of_no_logs_is_the_hash_of_the_empty_list() =>
        Assert.Equal(
            Hash256.Parse("0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347"),
            StateTestRunner.LogsHash([]));

    [Theory]
    [InlineData("stEIP3607")]
    [InlineData("stEIP1559")]
    public void Pre_state_root_equals_the_expected_root_of_rejected_transactions(string directory)
    {
        // A rejected transaction leaves the pre-state, so its expected post root is a known root of the pre-state:
        // this checks InMemoryStateReader's root (accounts, storage tries, code hashes) without running any code.
        int checkedRoots = 0;
        foreach (string file in Directory.GetFiles(GeneralStateTests(directory), "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            foreach (StateTest test in StateTestParser.ParseFile(file))
            {
                var reader = new InMemoryStateReader();
                foreach ((Address address, StateTestAccount account) in test.Pre)
                {
                    reader.SetAccount(address, account.Nonce, UInt256.FromBigEndian(account.Balance), account.Code);
                    foreach (StateTestStorageEntry slot in account.Storage)
                    {
                        reader.SetStorage(address, UInt256.FromBigEndian(slot.Key), UInt256.FromBigEndian(slot.Value));
                    }
                }

                Hash256 root = reader.ComputeStateRoot();
                foreach ((_, IReadOnlyList<StateTestExpectation> expectations) in test.Post)
                {
                    foreach (StateTestExpectation expectation in expectations.Where(e => e.ExpectException is not null))
                    {
                        Assert.Equal(expectation.StateRoot, root);
                        checkedRoots++;
                    }
                }
            }
        }

        Assert.True(checkedRoots > 0, $"no rejected cases found under {directory}");
    }

    [Fact]
    public void Example_state_tests_pass()
    {
        var results = Directory.GetFiles(GeneralStateTests("stExample"), "*.json", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .SelectMany(file => StateTestRunner.RunFile(file, new StateTestRunOptions()))
            .ToList();
        Assert.NotEmpty(results);
        Assert.All(results, r => Assert.True(r.Status == StateTestStatus.Passed, $"{r.Test} {r.Fork} {r.Indexes}: {r.Detail}"));
    }

    [Fact]
    public void Fork_filter_reports_only_that_fork_and_unsupported_forks_are_skipped()
    {
        string file = Directory.GetFiles(GeneralStateTests("stExample"), "add11.json", SearchOption.AllDirectories).Single();
        IReadOnlyList<StateTestCaseResult> all = StateTestRunner.RunFile(file, new StateTestRunOptions());
        IReadOnlyList<StateTestCaseResult> cancun = StateTestRunner.RunFile(file, new StateTestRunOptions { Fork = Fork.Cancun });
        Assert.NotEmpty(cancun);
        Assert.All(cancun, r => Assert.Equal("Cancun", r.Fork));
        Assert.All(all.Where(r => !FixtureNetworks.TryParse(r.Fork, out ChainSpec spec) || !spec.TryForkAt(0, 0, out _)), r => Assert.Equal(StateTestStatus.Skipped, r.Status));
    }

    [Fact]
    public void A_wrong_expected_root_is_reported_as_a_failure()
    {
        string file = Directory.GetFiles(GeneralStateTests("stExample"), "add11.json", SearchOption.AllDirectories).Single();
        StateTest test = StateTestParser.ParseFile(file)[0];
        StateTestExpectation expectation = test.Post.Single(p => p.Key == "Cancun").Value[0];
        StateTestCaseResult result = StateTestRunner.RunCase(file, test, ChainSpec.AllActiveFrom(FixtureNetworks.ChainId, Hardfork.Cancun), "Cancun", expectation with { StateRoot = Keccak256.Hash([1]) });
        Assert.Equal(StateTestStatus.Failed, result.Status);
        Assert.Contains("root", result.Detail, StringComparison.Ordinal);
    }
}
