using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.Derivation;
using Hyperion.Rollup.Node.Batcher;
using Hyperion.Rollup.Node.Deploy;
using Hyperion.Rollup.Node.Devnet;
using Hyperion.Rollup.Node.L1;
using Hyperion.Rpc;
using Microsoft.Extensions.Logging;

namespace Hyperion.Cli.Commands;

/// <summary>
/// The rollup's L1 side: <c>hyperion rollup deploy</c> (L1 contracts, rollup.json, addresses.json),
/// <c>hyperion batcher</c> (posts the L2 node's blocks to L1) and <c>hyperion devnet</c> (anvil, deploy, sequencer,
/// batcher and verifier as processes).
/// </summary>
internal static class RollupCommands
{
    public static Command CreateRollup()
    {
        var l1Rpc = new Option<string>("--l1-rpc") { Description = "L1 JSON-RPC URL.", Required = true };
        var deployerKey = new Option<string>("--deployer-key") { Description = "Hex private key that deploys (and owns SystemConfig).", Required = true };
        var batcher = new Option<string?>("--batcher") { Description = "The batcher address SystemConfig allows (default: the deployer)." };
        var l2ChainId = new Option<ulong>("--l2-chain-id") { Description = "L2 chain id (the batch inbox is 0xff00…00 followed by it).", DefaultValueFactory = _ => 901 };
        var blockTime = new Option<ulong>("--block-time") { Description = "Seconds between L2 blocks.", DefaultValueFactory = _ => 2 };
        var seqWindow = new Option<ulong>("--seq-window") { Description = "Sequencing window, in L1 blocks.", DefaultValueFactory = _ => 3600 };
        var channelTimeout = new Option<ulong>("--channel-timeout") { Description = "Channel timeout, in L1 blocks (how long a channel's frames may take to land, and how long the batcher waits before re-posting).", DefaultValueFactory = _ => 300 };
        var fund = new Option<string[]>("--fund") { Description = "ADDRESS=WEI funded in the L2 genesis (repeatable).", AllowMultipleArgumentsPerToken = true };
        var proposer = new Option<string?>("--proposer") { Description = "The account L2OutputOracle accepts outputs from (default: the deployer)." };
        var challenger = new Option<string?>("--challenger") { Description = "The account that may remove outputs in the challenge window (default: the deployer)." };
        var submissionInterval = new Option<ulong>("--submission-interval") { Description = "L2 blocks between posted outputs.", DefaultValueFactory = _ => 10 };
        var finalizationPeriod = new Option<ulong>("--finalization-period") { Description = "Seconds of the challenge window (before withdrawals against an output execute).", DefaultValueFactory = _ => 12 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Directory for rollup.json and addresses.json.", Required = true };
        var deploy = new Command("deploy", "Deploy the rollup's L1 contracts (SystemConfig, OptimismPortal, L1CrossDomainMessenger, L1StandardBridge, OptimismMintableERC20Factory, L2OutputOracle) and write rollup.json and addresses.json.")
        {
            l1Rpc, deployerKey, batcher, l2ChainId, blockTime, seqWindow, channelTimeout, fund, proposer, challenger, submissionInterval, finalizationPeriod, output,
        };
        deploy.SetAction(async (parse, cancellation) =>
        {
            try
            {
                byte[] key = ParseKey(parse.GetValue(deployerKey)!, "--deployer-key");
                var funded = new SortedDictionary<Address, UInt256>();
                foreach (string entry in parse.GetValue(fund) ?? [])
                {
                    string[] parts = entry.Split('=', 2);
                    if (parts.Length != 2 || !Address.TryParse(parts[0], out Address address) || !UInt256.TryParse(parts[1], out UInt256 wei))
                    {
                        throw new FormatException($"--fund: '{entry}' is not ADDRESS=WEI");
                    }

                    funded[address] = wei;
                }

                var options = new RollupDeployOptions
                {
                    Batcher = parse.GetValue(batcher) is string b ? ParseAddress(b, "--batcher") : null,
                    L2ChainId = parse.GetValue(l2ChainId), BlockTime = parse.GetValue(blockTime), SeqWindowSize = parse.GetValue(seqWindow),
                    ChannelTimeout = parse.GetValue(channelTimeout), FundedL2Accounts = funded,
                    Proposer = parse.GetValue(proposer) is string p ? ParseAddress(p, "--proposer") : null,
                    Challenger = parse.GetValue(challenger) is string c ? ParseAddress(c, "--challenger") : null,
                    SubmissionInterval = parse.GetValue(submissionInterval), FinalizationPeriodSeconds = parse.GetValue(finalizationPeriod),
                };
                (RollupConfig config, RollupAddresses addresses) = await new RollupDeployer(new JsonRpcEndpoint(ParseUrl(parse.GetValue(l1Rpc)!, "--l1-rpc")), key)
                    .DeployAsync(options, cancellation).ConfigureAwait(false);
                DirectoryInfo dir = parse.GetValue(output)!;
                dir.Create();
                await File.WriteAllTextAsync(Path.Combine(dir.FullName, "rollup.json"), config.ToJson(), cancellation).ConfigureAwait(false);
                await File.WriteAllTextAsync(Path.Combine(dir.FullName, "addresses.json"), RollupDeployer.AddressesJson(addresses, config), cancellation).ConfigureAwait(false);
                Console.WriteLine($"OptimismPortal   {addresses.OptimismPortal}");
                Console.WriteLine($"SystemConfig     {addresses.SystemConfig}");
                Console.WriteLine($"L1StandardBridge {addresses.L1StandardBridge}");
                Console.WriteLine($"BatchInbox       {addresses.BatchInbox}");
                Console.WriteLine($"L2OutputOracle   {addresses.L2OutputOracle}");
                Console.WriteLine($"L1CrossDomainMessenger {addresses.L1CrossDomainMessenger}");
                Console.WriteLine($"genesis: L1 block {config.GenesisL1.Number} {config.GenesisL1.Hash}, L2 {config.GenesisL2.Hash}");
                Console.WriteLine($"wrote {Path.Combine(dir.FullName, "rollup.json")} and addresses.json");
                return 0;
            }
            catch (Exception e) when (e is FormatException or JsonRpcCallException or InvalidOperationException or IOException or UnauthorizedAccessException or RollupConfigException)
            {
                await Console.Error.WriteLineAsync($"hyperion rollup deploy: {e.Message}").ConfigureAwait(false);
                return 1;
            }
        });
        return new Command("rollup", "The rollup's L1 contracts.") { deploy };
    }

    public static Command CreateBatcher()
    {
        var l1Rpc = new Option<string>("--l1-rpc") { Description = "L1 JSON-RPC URL.", Required = true };
        var l2Rpc = new Option<string>("--l2-rpc") { Description = "The L2 node's JSON-RPC URL (optimism_syncStatus, eth_getBlockByNumber).", Required = true };
        var rollupConfig = new Option<FileInfo>("--rollup-config") { Description = "rollup.json.", Required = true };
        var batcherKey = new Option<string>("--batcher-key") { Description = "Hex private key of the batcher SystemConfig allows.", Required = true };
        var dataAvailability = new Option<string>("--data-availability") { Description = "calldata, blobs, or auto (the cheaper at current L1 fees).", DefaultValueFactory = _ => "calldata" };
        var compression = new Option<string>("--compression") { Description = "zlib or brotli (Fjord).", DefaultValueFactory = _ => "zlib" };
        var batchType = new Option<string>("--batch-type") { Description = "singular or span (Delta).", DefaultValueFactory = _ => "singular" };
        var duration = new Option<ulong>("--max-channel-duration") { Description = "L1 blocks after which a channel that is not full is posted.", DefaultValueFactory = _ => 1 };
        var resubmission = new Option<double>("--resubmission-timeout") { Description = "Seconds a transaction may stay pending before it is replaced with higher fees.", DefaultValueFactory = _ => 24 };
        var blobsPerTx = new Option<int>("--blobs-per-tx") { Description = "Blobs per L1 transaction (1–6).", DefaultValueFactory = _ => 6 };
        var trustedSetup = new Option<string?>("--kzg-trusted-setup") { Description = "Ethereum's KZG trusted setup (c-kzg text format); default: the one c-kzg ships in e2e/node_modules." };
        var command = new Command("batcher", "Post the L2 node's blocks to L1 as batches (calldata or blobs).")
        {
            l1Rpc, l2Rpc, rollupConfig, batcherKey, dataAvailability, compression, batchType, duration, resubmission, blobsPerTx, trustedSetup,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            using ILoggerFactory loggers = NodeLogging.CreateFactory(LogLevel.Information);
            ILogger log = loggers.CreateLogger("batcher");
            try
            {
                RollupConfig config = RollupConfig.FromJson(await File.ReadAllTextAsync(parse.GetValue(rollupConfig)!.FullName, cancellation).ConfigureAwait(false));
                config.EnsureValid();
                byte[] key = ParseKey(parse.GetValue(batcherKey)!, "--batcher-key");
                var options = new BatcherOptions
                {
                    DataAvailability = ParseEnum<DataAvailability>(parse.GetValue(dataAvailability)!, "--data-availability"),
                    Compression = ParseEnum<CompressionAlgorithm>(parse.GetValue(compression)!, "--compression"),
                    BatchKind = ParseEnum<BatchKind>(parse.GetValue(batchType)!, "--batch-type"),
                    MaxChannelDuration = parse.GetValue(duration),
                    BlobsPerTransaction = parse.GetValue(blobsPerTx) is int n and >= 1 and <= 6 ? n : throw new FormatException("--blobs-per-tx must be 1 to 6"),
                };
                double resubmit = parse.GetValue(resubmission);
                if (!(resubmit > 0))
                {
                    throw new FormatException("--resubmission-timeout must be positive");
                }

                string? setupPath = TrustedSetupFile.Find(parse.GetValue(trustedSetup));
                if (options.DataAvailability != DataAvailability.Calldata && setupPath is null)
                {
                    throw new FormatException("blobs need Ethereum's KZG trusted setup: give --kzg-trusted-setup FILE or run `npm ci` in e2e/");
                }

                Address sender = Secp256k1.AddressFromPrivateKey(key);
                if (sender != config.GenesisSystemConfig.BatcherAddress)
                {
                    log.LogWarning("the batcher key's address {Sender} is not the genesis batcher {Batcher}: unless SystemConfig was changed to it, derivation ignores these batches", sender, config.GenesisSystemConfig.BatcherAddress);
                }

                var l1 = new JsonRpcEndpoint(ParseUrl(parse.GetValue(l1Rpc)!, "--l1-rpc"));
                var kzg = new Lazy<Rollup.Blobs.KzgSetup>(() => TrustedSetupFile.Load(setupPath));
                var tx = new TxManager(l1, config.L1ChainId, key, config.BatchInboxAddress, () => kzg.Value,
                    new TxManagerOptions { ResubmissionTimeout = TimeSpan.FromSeconds(resubmit) }, loggers.CreateLogger("batcher.tx"));
                var submitter = new BatchSubmitter(config, new RollupNodeClient(new JsonRpcEndpoint(ParseUrl(parse.GetValue(l2Rpc)!, "--l2-rpc"))), tx, options, log);
                if (log.IsEnabled(LogLevel.Information))
                {
                    log.LogInformation("Hyperion batcher ({Version}): {Sender} posting to {Inbox} as {DataAvailability} ({Compression}, {BatchKind} batches)",
                        RpcServer.ClientVersion, sender, config.BatchInboxAddress, options.DataAvailability, options.Compression, options.BatchKind);
                }

                await submitter.RunAsync(cancellation).ConfigureAwait(false);
                return 0;
            }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException or RollupConfigException or System.Text.Json.JsonException)
            {
                await Console.Error.WriteLineAsync($"hyperion batcher: {e.Message}").ConfigureAwait(false);
                return 1;
            }
            catch (JsonRpcCallException e)
            {
                await Console.Error.WriteLineAsync($"hyperion batcher: L1 refused a batcher transaction: {e.Message}").ConfigureAwait(false);
                return 1;
            }
        });
        return command;
    }

    public static Command CreateDevnet()
    {
        var dataDir = new Option<DirectoryInfo?>("--data-dir") { Description = "Directory for rollup.json, addresses.json and the nodes' data (default: a new temporary directory)." };
        var l1Port = new Option<int>("--l1-port") { Description = "anvil's port.", DefaultValueFactory = _ => 8545 };
        var l2Port = new Option<int>("--l2-port") { Description = "The sequencer's JSON-RPC port.", DefaultValueFactory = _ => 9545 };
        var verifierPort = new Option<int>("--verifier-port") { Description = "The verifier's JSON-RPC port.", DefaultValueFactory = _ => 9546 };
        var l1BlockTime = new Option<ulong>("--l1-block-time") { Description = "Seconds between L1 blocks.", DefaultValueFactory = _ => 2 };
        var blockTime = new Option<ulong>("--block-time") { Description = "Seconds between L2 blocks.", DefaultValueFactory = _ => 1 };
        var dataAvailability = new Option<string>("--data-availability") { Description = "calldata, blobs, or auto.", DefaultValueFactory = _ => "calldata" };
        var compression = new Option<string>("--compression") { Description = "zlib or brotli.", DefaultValueFactory = _ => "zlib" };
        var batchType = new Option<string>("--batch-type") { Description = "singular or span.", DefaultValueFactory = _ => "span" };
        var submissionInterval = new Option<ulong>("--submission-interval") { Description = "L2 blocks between posted outputs.", DefaultValueFactory = _ => 4 };
        var finalizationPeriod = new Option<ulong>("--finalization-period") { Description = "Seconds of the challenge window.", DefaultValueFactory = _ => 60 };
        var challengerPort = new Option<int>("--challenger-port") { Description = "The challenger's status port (challenger_status, /metrics); 0: any free port.", DefaultValueFactory = _ => 0 };
        var execThreads = ExecThreadsOption.Create("Passed to the sequencer and the verifier (hyperion node): Block-STM runs the blocks they derive from L1.");
        var command = new Command("devnet", "Run a rollup devnet: anvil as L1, the L1 contracts, and the sequencer, batcher and a verifier as processes. Ctrl-C stops it.")
        {
            dataDir, l1Port, l2Port, verifierPort, l1BlockTime, blockTime, dataAvailability, compression, batchType, submissionInterval, finalizationPeriod, challengerPort, execThreads,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            DevnetOptions options;
            if (!ExecThreadsOption.Validate("devnet", parse.GetValue(execThreads)))
            {
                return 1;
            }

            try
            {
                string anvil = TrustedSetupFile.FindInRepository(Path.Combine("e2e", "node_modules", ".bin", "anvil"))
                    ?? throw new FileNotFoundException("anvil not found: run `npm ci` in e2e/ (it installs anvil from npm)");
                (string exe, string[] prefix) = SelfCommand();
                options = new DevnetOptions
                {
                    HyperionExecutable = exe, HyperionPrefix = prefix, AnvilExecutable = anvil,
                    DataDirectory = parse.GetValue(dataDir)?.FullName ?? Directory.CreateTempSubdirectory("hyperion-devnet-").FullName,
                    L1Port = parse.GetValue(l1Port), L2Port = parse.GetValue(l2Port), VerifierPort = parse.GetValue(verifierPort),
                    L1BlockTime = parse.GetValue(l1BlockTime), L2BlockTime = parse.GetValue(blockTime),
                    DataAvailability = ParseEnum<DataAvailability>(parse.GetValue(dataAvailability)!, "--data-availability"),
                    Compression = ParseEnum<CompressionAlgorithm>(parse.GetValue(compression)!, "--compression"),
                    BatchKind = ParseEnum<BatchKind>(parse.GetValue(batchType)!, "--batch-type"),
                    SubmissionInterval = parse.GetValue(submissionInterval) is ulong interval and > 0 ? interval : throw new FormatException("--submission-interval must be positive"),
                    FinalizationPeriodSeconds = parse.GetValue(finalizationPeriod),
                    ChallengerPort = parse.GetValue(challengerPort),
                    ExecThreads = parse.GetValue(execThreads),
                };
            }
            catch (Exception e) when (e is FormatException or IOException)
            {
                await Console.Error.WriteLineAsync($"hyperion devnet: {e.Message}").ConfigureAwait(false);
                return 1;
            }

            // SIGTERM as well as Ctrl-C stops the devnet and its children cleanly.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
            using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
            object gate = new();
            return await DevnetRunner.RunAsync(options, line => { lock (gate) { Console.WriteLine(line); } }, stop.Token).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>How to start this same program again: its apphost, or <c>dotnet</c> with the dll.</summary>
    private static (string Executable, string[] Prefix) SelfCommand()
    {
        string process = Environment.ProcessPath ?? "dotnet";
        string dll = typeof(RollupCommands).Assembly.Location;
        return Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase) ? (process, [dll]) : (process, []);
    }

    internal static byte[] ParseKey(string text, string option)
    {
        byte[] key;
        try
        {
            key = Hex.Decode(text.Trim());
        }
        catch (FormatException e)
        {
            throw new FormatException($"{option}: {e.Message}", e);
        }

        return key.Length == 32 ? key : throw new FormatException($"{option}: a private key is 32 bytes, this is {key.Length}");
    }

    internal static Address ParseAddress(string text, string option) =>
        Address.TryParse(text, out Address address) ? address : throw new FormatException($"{option}: '{text}' is not an address");

    internal static Uri ParseUrl(string text, string option) =>
        Uri.TryCreate(text, UriKind.Absolute, out Uri? url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw new FormatException($"{option}: '{text}' is not an http(s) URL");

    private static T ParseEnum<T>(string text, string option)
        where T : struct, Enum =>
        Enum.TryParse(text, ignoreCase: true, out T value) && Enum.IsDefined(value) && !text.Any(char.IsDigit)
            ? value
            : throw new FormatException($"{option}: '{text}' is not one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}");
}
