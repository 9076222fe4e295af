using Hyperion.Execution.BlockTests;
using Hyperion.Execution.StateTests;

namespace Hyperion.Evm.Tests.Execution;

public sealed class BlockTestRunnerTests
{
    private static IReadOnlyList<BlockTestResult> Run(params string[] directory) =>
        [.. Directory.GetFiles(Fixtures.EthereumTests(["BlockchainTests", .. directory]), "*.json", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .SelectMany(file => BlockTestRunner.RunFile(file))];

    [Theory]
    [InlineData("ValidBlocks", "bcExample")]
    [InlineData("ValidBlocks", "bcEIP1559")]
    [InlineData("ValidBlocks", "bcEIP4844-blobtransactions")]
    [InlineData("InvalidBlocks", "bc4895-withdrawals")]
    [InlineData("InvalidBlocks", "bcInvalidHeaderTest")]
    public void Blockchain_tests_pass(string kind, string directory)
    {
        IReadOnlyList<BlockTestResult> results = Run(kind, directory);
        Assert.NotEmpty(results);
        Assert.All(results, r => Assert.True(r.Status == StateTestStatus.Passed, $"{r.Test}: {r.Detail}"));
    }
}
