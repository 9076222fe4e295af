using System.CommandLine;
using System.Globalization;
using Hyperion.Chain;
using Hyperion.Cli.Configuration;
using Hyperion.Core;
using Hyperion.Core.Wallet;
using Hyperion.Execution.Blocks;
using Hyperion.Execution.Parallel;
using Hyperion.MetisAi;
using Hyperion.Node;
using Hyperion.Rpc;
using Hyperion.Rpc.Eth;
using Microsoft.Extensions.Logging;

namespace Hyperion.Cli.Commands;

/// <summary>
/// `hyperion dev`: a single-sequencer development chain with the Ethereum JSON-RPC (HTTP and WebSocket) on one
/// port. Dev accounts come from the anvil/Hardhat mnemonic and are printed with their keys at start.
/// </summary>
internal static class DevCommand
{
    private static readonly UInt256 TenThousandEther = UInt256.Parse("10000000000000000000000");

    public static Command Create()
    {
        var chainId = new Option<ulong>("--chain-id") { Description = "Chain id.", DefaultValueFactory = _ => Genesis.DefaultChainId };
        var port = new Option<int>("--port") { Description = "JSON-RPC port (HTTP and WebSocket).", DefaultValueFactory = _ => 8545 };
        var host = new Option<string>("--host") { Description = "Address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
        var dataDir = new Option<DirectoryInfo?>("--data-dir") { Description = "Where the chain is kept (default: ~/.hyperion/dev); restarting with it continues the chain." };
        var ephemeral = new Option<bool>("--ephemeral") { Description = "Keep everything in memory; nothing is written." };
        var blockTime = new Option<int?>("--block-time") { Description = "Block interval in milliseconds (default: a block as soon as transactions are pending)." };
        var noPreconfirm = new Option<bool>("--no-preconfirm")
        {
            Description = "With --block-time: do not execute transactions as they arrive (no preconfirmed receipts, pending block or flashblocks stream); the block is built at the interval.",
        };
        var genesisFile = new Option<FileInfo?>("--genesis") { Description = "Genesis in geth's JSON format (default: the built-in dev genesis)." };
        var accounts = new Option<int>("--accounts") { Description = "Dev accounts to derive and fund.", DefaultValueFactory = _ => 10 };
        var mnemonic = new Option<string>("--mnemonic") { Description = "Mnemonic of the dev accounts.", DefaultValueFactory = _ => DevAccounts.DefaultMnemonic };
        var logLevel = NodeLogging.CreateLevelOption();
        var modelDir = new Option<DirectoryInfo?>("--model-dir") { Description = "HQM models for the inference precompile 0x…0a11, found by content hash (default: <data-dir>/models)." };
        var cors = new Option<string>("--cors")
        {
            Description = "Browser origins that may call the node (CORS), comma-separated; * for any (the default), none for same-origin only. " +
                "Only origins listed by name may use the unlocked dev accounts; other pages may read and send signed transactions.",
            DefaultValueFactory = _ => "*",
        };
        var modelThreads = new Option<int>("--model-threads") { Description = "Threads per inference forward pass (results do not depend on it).", DefaultValueFactory = _ => 1 };
        var allowInsecureUnlock = new Option<bool>("--allow-insecure-unlock") { Description = "Serve the unlocked dev accounts on a --host other machines can reach (refused otherwise)." };
        var rpcGasCap = new Option<ulong>("--rpc-gas-cap") { Description = "Most gas an eth_call or eth_estimateGas may use (0: no cap).", DefaultValueFactory = _ => EthModule.DefaultRpcGasCap };

        var execThreads = ExecThreadsOption.Create($"Blocks of fewer than {ParallelBlockExecutor.DefaultSequentialBelow} transactions run sequentially, and each larger one on whichever of Block-STM and the sequential executor has been faster on recent blocks (timed; the results are the same).");
        var vm = VmOption.Create();
        var rpcLimits = new RpcLimitOptions();
        var command = new Command("dev", "Start a development chain (JSON-RPC on 127.0.0.1:8545).")
        {
            chainId, port, host, dataDir, ephemeral, blockTime, genesisFile, accounts, mnemonic, logLevel, modelDir, modelThreads, rpcGasCap,
            allowInsecureUnlock, cors, execThreads, vm, noPreconfirm,
        };
        foreach (Option option in rpcLimits.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellation) =>
        {
            int threads = parse.GetValue(execThreads);
            if (!ExecThreadsOption.Validate("dev", threads))
            {
                return 1;
            }

            VmOption.Apply(parse.GetValue(vm));

            // Before the first socket: the runtime's socket engine then runs completions on its event thread, where the
            // server answers short reads without waking a pool worker (as anvil's tokio does); everything else hops to
            // the pool (RpcDispatcher). A dev chain makes no outgoing connections whose continuations would run there.
            // An explicit value in the environment (0 to switch it off) is kept.
            if (Environment.GetEnvironmentVariable(RpcServerOptions.InlineSocketCompletionsVariable) is null)
            {
                Environment.SetEnvironmentVariable(RpcServerOptions.InlineSocketCompletionsVariable, "1");
            }

            string? refusal = RpcCaller.RefusalToListen(parse.GetValue(host)!, parse.GetValue(accounts) > 0, parse.GetValue(allowInsecureUnlock));
            if (refusal is not null)
            {
                Console.Error.WriteLine($"hyperion dev: {refusal}");
                return 1;
            }

            try
            {
                return await RunAsync(
                    parse.GetValue(chainId), parse.GetValue(host)!, parse.GetValue(port), parse.GetValue(dataDir), parse.GetValue(ephemeral),
                    parse.GetValue(blockTime), !parse.GetValue(noPreconfirm), parse.GetValue(genesisFile), parse.GetValue(accounts), parse.GetValue(mnemonic)!,
                    parse.GetValue(logLevel)!, parse.GetValue(modelDir), parse.GetValue(modelThreads), parse.GetValue(rpcGasCap),
                    CorsOrigins.Parse(parse.GetValue(cors)!), rpcLimits.ConnectionsPerClient(parse),
                    builder => rpcLimits.From(parse)(builder).WithBlockExecutor((spec, precompiles) => ExecutorThreads.Executor(threads, spec, precompiles, measured: true)),
                    cancellation).ConfigureAwait(false);
            }
            catch (Exception e) when (e is GenesisFormatException or InvalidDataException or IOException or ArgumentException or FormatException or InvalidBlockException)
            {
                Console.Error.WriteLine($"hyperion dev: {e.Message}");
                return 1;
            }
        });
        return NodeConfiguration.Configurable(command);
    }

    private static async Task<int> RunAsync(
        ulong chainId, string host, int port, DirectoryInfo? dataDir, bool ephemeral, int? blockTimeMs, bool preconfirm, FileInfo? genesisFile,
        int accountCount, string mnemonic, string logLevel, DirectoryInfo? modelDir, int modelThreads, ulong rpcGasCap, IReadOnlyList<string> corsOrigins,
        int connectionsPerClient, Func<NodeBuilder, NodeBuilder> withRpcLimits, CancellationToken cancellation)
    {
        if (modelThreads is < 1 or > 64)
        {
            throw new ArgumentException("--model-threads must be in 1..64");
        }

        if (accountCount is < 0 or > 1000)
        {
            throw new ArgumentException("--accounts must be between 0 and 1000");
        }

        if (blockTimeMs is <= 0)
        {
            throw new ArgumentException("--block-time must be a positive number of milliseconds");
        }

        IReadOnlyList<DevAccount> devAccounts = DevAccounts.Derive(mnemonic, accountCount);
        Genesis genesis = genesisFile is null
            ? WithModelRegistry(Genesis.Dev(chainId, devAccounts, TenThousandEther), devAccounts.Count > 0 ? devAccounts[0].Address : Address.Zero)
            : Genesis.Parse(await File.ReadAllTextAsync(genesisFile.FullName, cancellation).ConfigureAwait(false));
        string defaultDirectory = dataDir?.FullName ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".hyperion", "dev");
        string? directory = ephemeral ? null : defaultDirectory;
        LogLevel level = NodeLogging.Level(logLevel);

        using ILoggerFactory loggers = NodeLogging.CreateFactory(level);
        ILogger log = loggers.CreateLogger("Hyperion.Dev");
        using ModelStore models = ModelStore.Open(modelDir?.FullName ?? Path.Combine(defaultDirectory, "models"), modelThreads);
        var starting = System.Diagnostics.Stopwatch.StartNew();
        using HyperionNode node = withRpcLimits(new NodeBuilder(genesis))
            .WithChain(o => o with
            {
                DataDirectory = directory,
                Sequencer = new() { BlockTime = blockTimeMs is int ms ? TimeSpan.FromMilliseconds(ms) : null, Preconfirm = preconfirm },
                Warning = message => LogWarning(log, message, null),
                Precompiles = ChainPrecompiles.Standard.With(InferencePrecompile.DefaultAddress, new InferencePrecompile(models)),
            })
            .WithDevAccounts(devAccounts)
            .WithRpcGasCap(rpcGasCap)
            .Build();
        ChainStore store = node.Chain.Chain.Store;
        if (directory is not null)
        {
            RecoveryReport recovery = node.Chain.Recovery;
            LogOpened(log, store.Head.Number, starting.Elapsed.TotalMilliseconds, recovery.ReadLog.TotalMilliseconds, recovery.OpenState.TotalMilliseconds, recovery.Replay.TotalMilliseconds, recovery.ReplayedBlocks, null);
            LogIndexed(log, recovery.IndexedBlocks, null);
        }

        using var blockLog = new BlockLog(log, node.Methods, node.Background);
        node.Chain.Chain.BlockAdded += blockLog.OnBlockAdded;

        await using RpcServer server = await NodeLogging.StartServerAsync(node, new RpcServerOptions { Host = host, Port = port, CorsOrigins = corsOrigins, MaxConnectionsPerClient = connectionsPerClient, LoggerFactory = loggers }, cancellation).ConfigureAwait(false);

        PrintBanner(node, genesis, mnemonic, devAccounts, directory, store.Head.Number, server.Address);
        Console.WriteLine($"Models:         {models.Directory} ({models.Files.Count} HQM file(s); inference precompile {InferencePrecompile.DefaultAddress}, registry {ModelRegistry.DefaultAddress})");
        foreach (ModelFile file in models.Files)
        {
            Console.WriteLine($"  {file.Hash}  {file.SizeBytes,12} bytes  {Path.GetFileName(file.Path)}");
        }

        try
        {
            await Task.Delay(Timeout.Infinite, cancellation).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C or SIGTERM: stop the server, then the sequencer (blocks are already durable).
        }

        node.Chain.Chain.BlockAdded -= blockLog.OnBlockAdded;
        blockLog.Dispose(); // the last blocks' lines before the last line
        LogStopped(log, store.Head.Number, null);
        return 0;
    }

    private static readonly Action<ILogger, string, Exception?> LogWarning =
        LoggerMessage.Define<string>(LogLevel.Warning, new EventId(1, "Warning"), "{Message}");

    private static readonly Action<ILogger, ulong, double, double, double, double, int, Exception?> LogOpened =
        LoggerMessage.Define<ulong, double, double, double, double, int>(LogLevel.Information, new EventId(2, "Opened"),
            "opened the chain at block {Number} in {Milliseconds:0} ms (block log read and checked {ReadLogMs:0} ms, state store opened {OpenStateMs:0} ms, " +
            "blocks indexed {ReplayMs:0} ms of which {Replayed} re-executed)");

    private static readonly Action<ILogger, int, Exception?> LogIndexed =
        LoggerMessage.Define<int>(LogLevel.Information, new EventId(4, "Indexed"),
            "read {Indexed} block(s) from the block log after the chain index's checkpoint (the rest is read on demand)");

    private static readonly Action<ILogger, ulong, Exception?> LogStopped =
        LoggerMessage.Define<ulong>(LogLevel.Information, new EventId(3, "Stopped"), "stopped at block {Number}");

    /// <summary>The dev genesis plus the model registry system contract, owned by <paramref name="owner"/>.</summary>
    private static Genesis WithModelRegistry(Genesis genesis, Address owner)
    {
        var alloc = new SortedDictionary<Address, GenesisAccount>((IDictionary<Address, GenesisAccount>)genesis.Alloc)
        {
            [ModelRegistry.DefaultAddress] = new GenesisAccount(UInt256.Zero, Nonce: 1, ModelRegistry.RuntimeCode(), ModelRegistry.GenesisStorage(owner)),
        };
        return genesis with { Alloc = alloc };
    }

    private static void PrintBanner(HyperionNode node, Genesis genesis, string mnemonic, IReadOnlyList<DevAccount> accounts, string? directory, ulong head, Uri address)
    {
        Console.WriteLine($"Hyperion dev chain ({RpcServer.ClientVersion}, web3_clientVersion {RpcServer.DevClientVersion})");
        Console.WriteLine();
        Console.WriteLine("Available Accounts");
        Console.WriteLine("==================");
        foreach (DevAccount account in accounts)
        {
            Console.WriteLine($"({account.Index}) {account.Address.ToChecksumString()} (10000 ETH)");
        }

        Console.WriteLine();
        Console.WriteLine("Private Keys");
        Console.WriteLine("==================");
        foreach (DevAccount account in accounts)
        {
            Console.WriteLine($"({account.Index}) {Hex.Encode(account.PrivateKey.Span)}");
        }

        Console.WriteLine();
        Console.WriteLine("Wallet");
        Console.WriteLine("==================");
        Console.WriteLine($"Mnemonic:        {mnemonic}");
        Console.WriteLine($"Derivation path: {DevAccounts.EthereumPathPrefix}/");
        Console.WriteLine();
        StoredBlock top = node.Chain.Chain.Store.Head;
        Console.WriteLine($"Chain ID:       {genesis.ChainId}");
        Console.WriteLine($"Hardfork:       {node.Chain.Chain.Executor.Spec.LatestEthereumFork(top.Number, top.Header.Timestamp).ToString().ToLowerInvariant()}");
        Console.WriteLine($"Gas limit:      {top.Header.GasLimit}");
        Console.WriteLine($"Base fee:       {top.Header.BaseFeePerGas} wei (genesis {genesis.BaseFeePerGas})");
        Console.WriteLine($"Data directory: {directory ?? "(ephemeral)"}");
        Console.WriteLine($"Head block:     {head}");
        Console.WriteLine($"Listening on {address.Host}:{address.Port} (HTTP and WebSocket; /metrics)");
    }
}
