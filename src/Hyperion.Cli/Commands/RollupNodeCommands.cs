using System.CommandLine;
using System.Globalization;
using Hyperion.Chain;
using Hyperion.Cli.Configuration;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Execution.Parallel;
using Hyperion.Node;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.Node;
using Hyperion.Rollup.Node.Engine;
using Hyperion.Rollup.Node.Execution;
using Hyperion.Rollup.Node.L1;
using Hyperion.Rollup.Node.L2Genesis;
using Hyperion.Rollup.Node.Sequencing;
using Hyperion.Rpc;
using Microsoft.Extensions.Logging;

namespace Hyperion.Cli.Commands;

/// <summary>
/// <c>hyperion node</c> (a verifier: derives the L2 chain from L1 and the rollup config alone) and
/// <c>hyperion sequencer</c> (builds the unsafe chain every block time and derives its safe head from L1 like a
/// verifier). Both serve eth_* and optimism_* JSON-RPC.
/// </summary>
internal static class RollupNodeCommands
{
    public static Command CreateNode() => Create("node", "Run a rollup verifier: derive the L2 chain from L1 and the rollup config; serve eth_* and optimism_* JSON-RPC.", sequencer: false);

    public static Command CreateSequencer() => Create("sequencer", "Run the rollup's sequencer: build L2 blocks every block time, derive the safe head from L1; serve eth_* and optimism_* JSON-RPC.", sequencer: true);

    private static Command Create(string name, string description, bool sequencer)
    {
        var l1Rpc = new Option<string>("--l1-rpc") { Description = "L1 execution JSON-RPC URL.", Required = true };
        var l1Beacon = new Option<string?>("--l1-beacon") { Description = "L1 beacon API URL for blobs (default: anvil's blob methods on --l1-rpc)." };
        var rollupConfig = new Option<FileInfo>("--rollup-config") { Description = "The rollup config (rollup.json).", Required = true };
        var sequencerKey = new Option<string>("--sequencer-key") { Description = "The sequencer's private key (hex).", Required = true };
        var l1Confirmations = new Option<ulong>("--l1-confirmations") { Description = "L1 blocks that must follow a block before the sequencer adopts it as an L1 origin.", DefaultValueFactory = _ => 0 };
        var noPreconfirm = new Option<bool>("--no-preconfirm")
        {
            Description = "Do not execute transactions as they arrive (no preconfirmed receipts, open block as `latest`/`pending` or flashblocks stream); each block is built at its time.",
        };
        var dataDir = new Option<DirectoryInfo?>("--data-dir") { Description = $"Where the chain and its heads are kept (default: ~/.hyperion/{name}-<l2 chain id>)." };
        var ephemeral = new Option<bool>("--ephemeral") { Description = "Keep everything in memory; nothing is written." };
        var host = new Option<string>("--host") { Description = "Address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "JSON-RPC port (HTTP and WebSocket).", DefaultValueFactory = _ => 8545 };
        var trustedSetup = new Option<FileInfo?>("--kzg-trusted-setup") { Description = "Ethereum's KZG trusted setup (default: the one c-kzg ships in e2e/node_modules)." };
        var logLevel = NodeLogging.CreateLevelOption();
        var execThreads = ExecThreadsOption.Create(
            $"Block-STM runs the blocks derived from L1, each executed whole; blocks of fewer than {ParallelBlockExecutor.DefaultSequentialBelow} transactions (and every block at 0 or 1) run one transaction at a time, and each larger one on whichever of Block-STM and the sequential executor has been faster on recent blocks (timed; the results are the same)." +
            (sequencer ? " The sequencer's own blocks execute one transaction at a time as they arrive (preconfirmations)." : ""));
        var rpcLimits = new RpcLimitOptions();
        var command = new Command(name, description) { l1Rpc, l1Beacon, rollupConfig, dataDir, ephemeral, host, port, trustedSetup, logLevel, execThreads };
        if (sequencer)
        {
            command.Options.Add(sequencerKey);
            command.Options.Add(l1Confirmations);
            command.Options.Add(noPreconfirm);
        }

        foreach (Option option in rpcLimits.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellation) =>
        {
            int threads = parse.GetValue(execThreads);
            if (!ExecThreadsOption.Validate(name, threads))
            {
                return 1;
            }

            try
            {
                var settings = new Settings(
                    name, ParseUrl(parse.GetValue(l1Rpc)!, "--l1-rpc"), parse.GetValue(l1Beacon) is string beacon ? ParseUrl(beacon, "--l1-beacon") : null,
                    parse.GetValue(rollupConfig)!, sequencer ? ParseKey(parse.GetValue(sequencerKey)!) : null, parse.GetValue(l1Confirmations), !parse.GetValue(noPreconfirm),
                    parse.GetValue(dataDir), parse.GetValue(ephemeral), parse.GetValue(host)!, parse.GetValue(port), parse.GetValue(trustedSetup),
                    NodeLogging.Level(parse.GetValue(logLevel)!), rpcLimits.From(parse), rpcLimits.ConnectionsPerClient(parse), threads);
                return await RunAsync(settings, cancellation).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RollupConfigException or IOException or ArgumentException or FormatException or InvalidDataException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"hyperion {name}: {e.Message}");
                return 1;
            }
        });
        return NodeConfiguration.Configurable(command);
    }

    private static async Task<int> RunAsync(Settings settings, CancellationToken cancellation)
    {
        RollupConfig config = RollupConfig.FromJson(await File.ReadAllTextAsync(settings.RollupConfig.FullName, cancellation).ConfigureAwait(false));
        RollupGenesis.EnsureHashMatches(config);
        string? directory = settings.Ephemeral ? null : settings.DataDirectory?.FullName
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".hyperion", string.Create(CultureInfo.InvariantCulture, $"{settings.Name}-{config.L2ChainId}"));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        using ILoggerFactory loggers = NodeLogging.CreateFactory(settings.LogLevel);
        using var http = new HttpClient();
        var endpoint = new JsonRpcEndpoint(settings.L1Rpc);
        IBlobReader blobs = settings.L1Beacon is Uri beacon ? new BeaconBlobReader(beacon, http) : new AnvilBlobReader(endpoint);
        string? setupPath = settings.TrustedSetup?.FullName;
        var l1 = new JsonRpcL1Source(endpoint, blobs, () => TrustedSetupFile.Load(setupPath));

        await using RollupNode node = RollupNode.Create(new RollupNodeOptions
        {
            Config = config,
            L1 = l1,
            Genesis = RollupGenesis.Build(config),
            Executor = (spec, precompiles) => RollupExecution.CreateExecutor(spec, precompiles, config, settings.ExecThreads),
            DataDirectory = directory,
            Sequencer = settings.SequencerKey is null ? null : new RollupSequencerOptions { L1ConfirmationDepth = settings.L1Confirmations, Preconfirm = settings.Preconfirm },
            LoggerFactory = loggers,
            Configure = settings.RpcLimits,
        });
        ILogger log = loggers.CreateLogger("hyperion." + settings.Name);
        node.Node.Chain.Chain.BlockAdded += added =>
        {
            if (log.IsEnabled(LogLevel.Information))
            {
                log.LogInformation(
                    "block {Number} txs {Count} gas {Gas} {Hash} (safe {Safe}, finalized {Finalized})",
                    added.Block.Number, added.Block.Block.Transactions.Length, added.Block.Header.GasUsed, added.Block.Hash, node.Engine.Safe.Number, node.Engine.Finalized.Number);
            }
        };

        await using RpcServer server = await NodeLogging.StartServerAsync(node.Node, new RpcServerOptions { Host = settings.Host, Port = settings.Port, MaxConnectionsPerClient = settings.ConnectionsPerClient, LoggerFactory = loggers }, cancellation).ConfigureAwait(false);
        node.Run();
        RollupHeads heads = node.Engine.Heads;
        // The start-up banner, through the node's logger (timestamped, filtered by --log-level like every other line).
        if (log.IsEnabled(LogLevel.Information))
        {
            log.LogInformation("Hyperion rollup {Role} ({Version})", settings.SequencerKey is null ? "verifier" : "sequencer", RpcServer.ClientVersion);
            log.LogInformation("L2 chain ID {ChainId} (genesis {Genesis})", config.L2ChainId, config.GenesisL2.Hash);
            log.LogInformation("L1 {L1Rpc} (chain {L1ChainId}; blobs from {Beacon})", settings.L1Rpc, config.L1ChainId, settings.L1Beacon?.ToString() ?? "anvil");
            if (settings.SequencerKey is byte[] key)
            {
                log.LogInformation("Sequencer {Address}", Secp256k1.AddressFromPrivateKey(key).ToChecksumString());
            }

            log.LogInformation("Data directory {Directory}", directory ?? "(ephemeral)");
            // One thread runs every block sequentially (the parallel executor's default below, for any block size).
            log.LogInformation("Execution: {Executor}", settings.ExecThreads < 2 ? "sequential" : $"Block-STM on {settings.ExecThreads} threads for derived blocks (or sequential when measured faster)");
            log.LogInformation("Heads: unsafe {Unsafe}, safe {Safe}, finalized {Finalized}", heads.Unsafe.Number, heads.Safe.Number, heads.Finalized.Number);
            log.LogInformation("Listening on {Host}:{Port} (HTTP and WebSocket; /metrics)", server.Address.Host, server.Address.Port);
        }

        try
        {
            await Task.Delay(Timeout.Infinite, cancellation).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C or SIGTERM: stop RPC, then the loops and the chain (blocks and heads are already durable).
        }

        return 0;
    }

    private static Uri ParseUrl(string text, string option) =>
        Uri.TryCreate(text, UriKind.Absolute, out Uri? url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw new ArgumentException($"{option} must be an http(s) URL, not '{text}'");

    private static byte[] ParseKey(string hex)
    {
        byte[] key;
        try
        {
            key = Hex.Decode(hex);
        }
        catch (FormatException)
        {
            throw new ArgumentException("--sequencer-key must be a 32-byte hex private key");
        }

        return key.Length == 32 ? key : throw new ArgumentException("--sequencer-key must be a 32-byte hex private key");
    }

    private sealed record Settings(
        string Name, Uri L1Rpc, Uri? L1Beacon, FileInfo RollupConfig, byte[]? SequencerKey, ulong L1Confirmations, bool Preconfirm, DirectoryInfo? DataDirectory,
        bool Ephemeral, string Host, int Port, FileInfo? TrustedSetup, LogLevel LogLevel, Func<NodeBuilder, NodeBuilder> RpcLimits, int ConnectionsPerClient, int ExecThreads);
}
