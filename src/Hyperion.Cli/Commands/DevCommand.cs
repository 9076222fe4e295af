using System.CommandLine;
using System.Globalization;
using Hyperion.Chain;
using Hyperion.Core;
using Hyperion.Core.Wallet;
using Hyperion.Rpc;
using Hyperion.Rpc.Eth;

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
        var genesisFile = new Option<FileInfo?>("--genesis") { Description = "Genesis in geth's JSON format (default: the built-in dev genesis)." };
        var accounts = new Option<int>("--accounts") { Description = "Dev accounts to derive and fund.", DefaultValueFactory = _ => 10 };
        var mnemonic = new Option<string>("--mnemonic") { Description = "Mnemonic of the dev accounts.", DefaultValueFactory = _ => DevAccounts.DefaultMnemonic };
        var logLevel = new Option<string>("--log-level") { Description = "error, warn, info or debug.", DefaultValueFactory = _ => "info" };
        logLevel.AcceptOnlyFromAmong("error", "warn", "info", "debug");

        var command = new Command("dev", "Start a development chain (JSON-RPC on 127.0.0.1:8545).")
        {
            chainId, port, host, dataDir, ephemeral, blockTime, genesisFile, accounts, mnemonic, logLevel,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            try
            {
                return await RunAsync(
                    parse.GetValue(chainId), parse.GetValue(host)!, parse.GetValue(port), parse.GetValue(dataDir), parse.GetValue(ephemeral),
                    parse.GetValue(blockTime), parse.GetValue(genesisFile), parse.GetValue(accounts), parse.GetValue(mnemonic)!,
                    parse.GetValue(logLevel)!, cancellation).ConfigureAwait(false);
            }
            catch (Exception e) when (e is GenesisFormatException or InvalidDataException or IOException or ArgumentException or FormatException)
            {
                Console.Error.WriteLine($"hyperion dev: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(
        ulong chainId, string host, int port, DirectoryInfo? dataDir, bool ephemeral, int? blockTimeMs, FileInfo? genesisFile,
        int accountCount, string mnemonic, string logLevel, CancellationToken cancellation)
    {
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
            ? Genesis.Dev(chainId, devAccounts, TenThousandEther)
            : Genesis.Parse(await File.ReadAllTextAsync(genesisFile.FullName, cancellation).ConfigureAwait(false));
        string? directory = ephemeral ? null : (dataDir?.FullName ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".hyperion", "dev"));
        bool info = logLevel is "info" or "debug";

        var starting = System.Diagnostics.Stopwatch.StartNew();
        using Sequencer chain = Sequencer.Start(genesis, new SequencerOptions
        {
            DataDirectory = directory,
            BlockTime = blockTimeMs is int ms ? TimeSpan.FromMilliseconds(ms) : null,
            Warning = message => Console.Error.WriteLine($"warning: {message}"),
        });
        if (directory is not null)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Opened the chain at block {chain.Store.Head.Number} in {starting.Elapsed.TotalMilliseconds:0} ms (state in MetisDB, {chain.ReplayedBlocks} blocks re-executed)"));
        }
        if (info)
        {
            chain.BlockAdded += added =>
            {
                StoredBlock b = added.Block;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"block {b.Number,6}  txs {b.Block.Transactions.Length,5}  gas {b.Header.GasUsed,10}  built in {added.BuildTime.TotalMilliseconds:0.0} ms  {b.Hash}"));
            };
        }

        var registry = new RpcMethodRegistry();
        RpcServer.AddBuiltIns(registry, genesis.ChainId);
        var eth = new EthModule(chain, devAccounts);
        eth.Register(registry);
        new DebugModule(chain, eth).Register(registry);
        using var events = new EventModule(chain);
        events.Register(registry);
        var metrics = new NodeMetrics(chain);
        var options = new RpcServerOptions { Host = host, Port = port, Metrics = metrics.Render, OnRequestCompleted = metrics.ObserveRequest };
        await using RpcServer server = await RpcServer.StartAsync(registry, options, cancellation).ConfigureAwait(false);

        PrintBanner(genesis, devAccounts, directory, chain, server.Address);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellation).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C or SIGTERM: stop the server, then the sequencer (blocks are already durable).
        }

        if (info)
        {
            Console.WriteLine($"stopped at block {chain.Store.Head.Number}");
        }

        return 0;
    }

    private static void PrintBanner(Genesis genesis, IReadOnlyList<DevAccount> accounts, string? directory, Sequencer chain, Uri address)
    {
        Console.WriteLine("Hyperion dev chain");
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
        Console.WriteLine($"Chain ID:       {genesis.ChainId}");
        Console.WriteLine($"Data directory: {directory ?? "(ephemeral)"}");
        Console.WriteLine($"Head block:     {chain.Store.Head.Number}");
        Console.WriteLine($"Listening on {address.Host}:{address.Port} (HTTP and WebSocket; /metrics)");
    }
}
