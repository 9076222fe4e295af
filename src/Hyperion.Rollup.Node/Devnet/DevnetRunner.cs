using System.Globalization;
using System.Text;
using Hyperion.Core;
using Hyperion.Core.Wallet;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.Derivation;
using Hyperion.Rollup.Node.Batcher;
using Hyperion.Rollup.Node.Deploy;
using Hyperion.Rollup.Node.L1;

namespace Hyperion.Rollup.Node.Devnet;

public sealed record DevnetOptions
{
    /// <summary>How to run <c>hyperion</c>: the executable and the arguments before the command (e.g. the dll for <c>dotnet</c>).</summary>
    public required string HyperionExecutable { get; init; }

    public IReadOnlyList<string> HyperionPrefix { get; init; } = [];

    public required string AnvilExecutable { get; init; }

    /// <summary>Where rollup.json, addresses.json and the nodes' data go.</summary>
    public required string DataDirectory { get; init; }

    public int L1Port { get; init; } = 8545;

    public int L2Port { get; init; } = 9545;

    public int VerifierPort { get; init; } = 9546;

    public ulong L1BlockTime { get; init; } = 2;

    public ulong L2BlockTime { get; init; } = 1;

    public ulong L2ChainId { get; init; } = 901;

    public DataAvailability DataAvailability { get; init; } = DataAvailability.Calldata;

    public CompressionAlgorithm Compression { get; init; } = CompressionAlgorithm.Zlib;

    public BatchKind BatchKind { get; init; } = BatchKind.Span;

    public string? TrustedSetup { get; init; }

    /// <summary>L2 blocks between outputs the proposer posts.</summary>
    public ulong SubmissionInterval { get; init; } = 4;

    /// <summary>Seconds an output can be challenged (and a withdrawal proven against it waits) before it is final.</summary>
    public ulong FinalizationPeriodSeconds { get; init; } = 60;

    /// <summary>Where the challenger serves challenger_status and /metrics; 0: a free port (its log line names it).</summary>
    public int ChallengerPort { get; init; }

    /// <summary>The sequencer's and the verifier's <c>--exec-threads</c> (Block-STM's threads for derived blocks; 0: sequential).</summary>
    public int ExecThreads { get; init; } = Environment.ProcessorCount;
}

/// <summary>
/// <c>hyperion devnet</c>: anvil as L1 (Cancun, blobs, two-slot epochs so blocks finalize), the rollup's L1 contracts
/// deployed, and the sequencer, the batcher and a verifier as their own processes, each with its own state, talking
/// only through L1 and JSON-RPC. Stops everything, in reverse order, when cancelled or when one of them dies.
/// </summary>
public static class DevnetRunner
{
    public const int DeployerAccount = 0;
    public const int ChallengerAccount = 6;
    public const int ProposerAccount = 7;
    public const int BatcherAccount = 8;
    public const int SequencerAccount = 9;
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(DevnetOptions options, Action<string> output, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        Directory.CreateDirectory(options.DataDirectory);
        IReadOnlyList<DevAccount> accounts = DevAccounts.Derive(DevAccounts.DefaultMnemonic, 10);
        string Key(int i) => Hex.Encode(accounts[i].PrivateKey.Span);
        string l1Url = $"http://127.0.0.1:{options.L1Port}";
        string l2Url = $"http://127.0.0.1:{options.L2Port}";
        string verifierUrl = $"http://127.0.0.1:{options.VerifierPort}";
        var children = new List<ChildProcess>();
        try
        {
            children.Add(ChildProcess.Start("anvil", options.AnvilExecutable,
                ["--host", "127.0.0.1", "--port", Text(options.L1Port), "--hardfork", "cancun", "--block-time", Text(options.L1BlockTime), "--slots-in-an-epoch", "2", "--silent"], output));
            var l1 = new JsonRpcEndpoint(new Uri(l1Url));
            await WaitForRpcAsync(l1, children[0], cancellation).ConfigureAwait(false);

            var funded = new SortedDictionary<Address, UInt256>();
            foreach (DevAccount account in accounts)
            {
                funded[account.Address] = UInt256.Parse("10000000000000000000000");
            }

            (RollupConfig config, RollupAddresses addresses) = await new RollupDeployer(l1, accounts[DeployerAccount].PrivateKey.ToArray()).DeployAsync(
                new RollupDeployOptions
                {
                    Batcher = accounts[BatcherAccount].Address, L2ChainId = options.L2ChainId, BlockTime = options.L2BlockTime, FundedL2Accounts = funded,
                    SeqWindowSize = 200, ChannelTimeout = 50,
                    Proposer = accounts[ProposerAccount].Address, Challenger = accounts[ChallengerAccount].Address,
                    SubmissionInterval = options.SubmissionInterval, FinalizationPeriodSeconds = options.FinalizationPeriodSeconds,
                },
                cancellation).ConfigureAwait(false);
            string rollupJson = Path.Combine(options.DataDirectory, "rollup.json");
            await File.WriteAllTextAsync(rollupJson, config.ToJson(), cancellation).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(options.DataDirectory, "addresses.json"), RollupDeployer.AddressesJson(addresses, config), cancellation).ConfigureAwait(false);

            children.Add(Hyperion(options, "sequencer", output,
                "sequencer", "--l1-rpc", l1Url, "--rollup-config", rollupJson, "--sequencer-key", Key(SequencerAccount),
                "--data-dir", Path.Combine(options.DataDirectory, "sequencer"), "--port", Text(options.L2Port), "--exec-threads", Text(options.ExecThreads)));
            children.Add(Hyperion(options, "verifier", output,
                "node", "--l1-rpc", l1Url, "--rollup-config", rollupJson, "--data-dir", Path.Combine(options.DataDirectory, "verifier"), "--port", Text(options.VerifierPort), "--exec-threads", Text(options.ExecThreads)));
            await WaitForRpcAsync(new JsonRpcEndpoint(new Uri(l2Url)), children[1], cancellation).ConfigureAwait(false);
            var batcherArgs = new List<string>
            {
                "batcher", "--l1-rpc", l1Url, "--l2-rpc", l2Url, "--rollup-config", rollupJson, "--batcher-key", Key(BatcherAccount),
                "--data-availability", options.DataAvailability.ToString().ToLowerInvariant(), "--compression", options.Compression.ToString().ToLowerInvariant(),
                "--batch-type", options.BatchKind.ToString().ToLowerInvariant(),
            };
            if (options.TrustedSetup is not null)
            {
                batcherArgs.AddRange(["--kzg-trusted-setup", options.TrustedSetup]);
            }

            children.Add(Hyperion(options, "batcher", output, [.. batcherArgs]));
            string oracle = addresses.L2OutputOracle.ToString();
            children.Add(Hyperion(options, "proposer", output,
                "proposer", "--l1-rpc", l1Url, "--l2-rpc", l2Url, "--l2oo-address", oracle, "--proposer-key", Key(ProposerAccount)));
            children.Add(Hyperion(options, "challenger", output,
                "challenger", "--l1-rpc", l1Url, "--l2-rpc", verifierUrl, "--l2oo-address", oracle, "--challenger-key", Key(ChallengerAccount),
                "--port", Text(options.ChallengerPort)));
            output(Summary(l1Url, l2Url, verifierUrl, rollupJson, addresses, accounts, options));

            Task exited = Task.WhenAny(children.Select(c => c.Exited));
            await Task.WhenAny(exited, Task.Delay(Timeout.Infinite, cancellation)).ConfigureAwait(false);
            if (children.FirstOrDefault(c => c.HasExited) is ChildProcess dead && !cancellation.IsCancellationRequested)
            {
                output($"devnet: {dead.Name} exited with code {dead.ExitCode}; stopping the others. Its last lines:{Environment.NewLine}{dead.Tail()}");
                return 1;
            }

            return 0;
        }
        catch (Exception e) when (e is JsonRpcCallException or InvalidOperationException or IOException or RollupConfigException or System.ComponentModel.Win32Exception)
        {
            output($"devnet: {e.Message}");
            foreach (ChildProcess child in children.Where(c => c.HasExited))
            {
                output($"devnet: {child.Name} exited with code {child.ExitCode}:{Environment.NewLine}{child.Tail()}");
            }

            return 1;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return 0;
        }
        finally
        {
            output("devnet: stopping");
            for (int i = children.Count - 1; i >= 0; i--)
            {
                await children[i].StopAsync(Grace).ConfigureAwait(false);
                await children[i].DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static ChildProcess Hyperion(DevnetOptions options, string name, Action<string> output, params string[] arguments) =>
        ChildProcess.Start(name, options.HyperionExecutable, [.. options.HyperionPrefix, .. arguments], output);

    private static async Task WaitForRpcAsync(JsonRpcEndpoint rpc, ChildProcess process, CancellationToken cancellation)
    {
        for (int attempt = 0; attempt < 1200; attempt++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{process.Name} exited with code {process.ExitCode}:{Environment.NewLine}{process.Tail()}");
            }

            try
            {
                await rpc.CallAsync("eth_chainId", [], cancellation).ConfigureAwait(false);
                return;
            }
            catch (JsonRpcCallException)
            {
                await Task.Delay(100, cancellation).ConfigureAwait(false);
            }
        }

        throw new InvalidOperationException($"{process.Name} did not answer on {rpc.Url} within 2 minutes");
    }

    private static string Summary(string l1, string l2, string verifier, string rollupJson, RollupAddresses addresses, IReadOnlyList<DevAccount> accounts, DevnetOptions options)
    {
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"L1 RPC (anvil):       {l1}");
        text.AppendLine(CultureInfo.InvariantCulture, $"L2 RPC (sequencer):   {l2}");
        text.AppendLine(CultureInfo.InvariantCulture, $"L2 RPC (verifier):    {verifier}");
        text.AppendLine(CultureInfo.InvariantCulture, $"rollup config:        {rollupJson}");
        text.AppendLine(CultureInfo.InvariantCulture, $"batches:              {options.DataAvailability.ToString().ToLowerInvariant()}, {options.Compression.ToString().ToLowerInvariant()}, {options.BatchKind.ToString().ToLowerInvariant()}");
        text.AppendLine(CultureInfo.InvariantCulture, $"OptimismPortal:       {addresses.OptimismPortal}");
        text.AppendLine(CultureInfo.InvariantCulture, $"SystemConfig:         {addresses.SystemConfig}");
        text.AppendLine(CultureInfo.InvariantCulture, $"L1StandardBridge:     {addresses.L1StandardBridge}");
        text.AppendLine(CultureInfo.InvariantCulture, $"BatchInbox:           {addresses.BatchInbox}");
        text.AppendLine(CultureInfo.InvariantCulture, $"L2OutputOracle:       {addresses.L2OutputOracle} (an output every {options.SubmissionInterval} L2 blocks, {options.FinalizationPeriodSeconds} s window)");
        text.AppendLine(options.ChallengerPort == 0 ? "challenger status:    challenger_status and /metrics at the port in the challenger's log"
            : string.Create(CultureInfo.InvariantCulture, $"challenger status:    http://127.0.0.1:{options.ChallengerPort} (challenger_status, /metrics)"));
        text.AppendLine("Accounts (10,000 ETH on L1 and L2; #6 is the challenger, #7 the proposer, #8 the batcher, #9 the sequencer, #0 deployed and owns SystemConfig):");
        foreach (DevAccount account in accounts)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  ({account.Index}) {account.Address.ToChecksumString()}  {Hex.Encode(account.PrivateKey.Span)}");
        }

        text.Append("Ctrl-C stops everything.");
        return text.ToString();
    }

    private static string Text(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
