using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Rollup.Node.Batcher;
using Hyperion.Rollup.Node.Challenger;
using Hyperion.Rollup.Node.L1;
using Hyperion.Rollup.Node.Proposer;
using Hyperion.Rollup.Node.Withdrawals;
using Hyperion.Rpc;
using Microsoft.Extensions.Logging;
using static Hyperion.Cli.Commands.RollupCommands;

namespace Hyperion.Cli.Commands;

/// <summary>
/// The rollup's output and withdrawal services: <c>hyperion proposer</c> (posts output roots to the
/// L2OutputOracle), <c>hyperion challenger</c> (deletes wrong ones within the window) and
/// <c>hyperion withdraw status|prove|finalize</c> (a user's L2 → L1 withdrawal).
/// </summary>
internal static class WithdrawalCommands
{
    public static Command CreateProposer()
    {
        var l1Rpc = new Option<string>("--l1-rpc") { Description = "L1 JSON-RPC URL.", Required = true };
        var l2Rpc = new Option<string>("--l2-rpc") { Description = "The rollup node's JSON-RPC URL (optimism_syncStatus, optimism_outputAtBlock).", Required = true };
        var oracle = new Option<string>("--l2oo-address") { Description = "The L2OutputOracle on L1.", Required = true };
        var key = new Option<string>("--proposer-key") { Description = "Hex private key of the oracle's PROPOSER.", Required = true };
        var poll = new Option<double>("--poll-interval") { Description = "Seconds between rounds.", DefaultValueFactory = _ => 1 };
        var command = new Command("proposer", "Post the rollup node's output roots of its safe chain to the L2OutputOracle, every submission interval.") { l1Rpc, l2Rpc, oracle, key, poll };
        command.SetAction((parse, cancellation) => RunServiceAsync("proposer", parse.GetValue(l1Rpc)!, parse.GetValue(l2Rpc)!, parse.GetValue(oracle)!, parse.GetValue(key)!, "--proposer-key",
            parse.GetValue(poll), async (services, log, loggers, stop) =>
            {
                var proposer = new OutputProposer(services.Oracle, new RollupNodeClient(services.L2), new OutputSource(services.L2), services.Transactions, services.L1, log)
                {
                    PollInterval = services.Poll,
                };
                Address expected = await services.Oracle.ProposerAsync(stop).ConfigureAwait(false);
                Warn(log, services.Transactions.Sender, expected, "PROPOSER");
                if (log.IsEnabled(LogLevel.Information))
                {
                    log.LogInformation("Hyperion proposer ({Version}): {Sender} proposing to {Oracle}", RpcServer.ClientVersion, services.Transactions.Sender, services.Oracle.Address);
                }

                await proposer.RunAsync(stop).ConfigureAwait(false);
            }, cancellation));
        return command;
    }

    public static Command CreateChallenger()
    {
        var l1Rpc = new Option<string>("--l1-rpc") { Description = "L1 JSON-RPC URL.", Required = true };
        var l2Rpc = new Option<string>("--l2-rpc") { Description = "The challenger's OWN verifier node (optimism_syncStatus, optimism_outputAtBlock).", Required = true };
        var oracle = new Option<string>("--l2oo-address") { Description = "The L2OutputOracle on L1.", Required = true };
        var key = new Option<string>("--challenger-key") { Description = "Hex private key of the oracle's CHALLENGER.", Required = true };
        var poll = new Option<double>("--poll-interval") { Description = "Seconds between rounds.", DefaultValueFactory = _ => 1 };
        var port = new Option<int?>("--port") { Description = "Serve challenger_status (JSON-RPC) and /metrics on this local port (none by default)." };
        var command = new Command("challenger", "Compare every output in the L2OutputOracle's window with the verifier's own and delete a wrong one.") { l1Rpc, l2Rpc, oracle, key, poll, port };
        command.SetAction((parse, cancellation) => RunServiceAsync("challenger", parse.GetValue(l1Rpc)!, parse.GetValue(l2Rpc)!, parse.GetValue(oracle)!, parse.GetValue(key)!, "--challenger-key",
            parse.GetValue(poll), async (services, log, loggers, stop) =>
            {
                var challenger = new OutputChallenger(services.Oracle, new RollupNodeClient(services.L2), new OutputSource(services.L2), services.Transactions, services.L1, log)
                {
                    PollInterval = services.Poll,
                };
                Address expected = await services.Oracle.ChallengerAsync(stop).ConfigureAwait(false);
                Warn(log, services.Transactions.Sender, expected, "CHALLENGER");
                RpcServer? server = null;
                if (parse.GetValue(port) is int listen)
                {
                    var registry = new RpcMethodRegistry();
                    RpcServer.AddBuiltIns(registry, services.ChainId);
                    registry.Add("challenger_status", _ => challenger.Status());
                    var metrics = new ChallengerMetrics(challenger.Status);
                    server = await RpcServer.StartAsync(registry, new RpcServerOptions { Port = listen, Metrics = metrics.ExportAsync }, stop).ConfigureAwait(false);
                    if (log.IsEnabled(LogLevel.Information))
                    {
                        log.LogInformation("challenger_status and /metrics on {Address}", server.Address);
                    }
                }

                try
                {
                    if (log.IsEnabled(LogLevel.Information))
                    {
                        log.LogInformation("Hyperion challenger ({Version}): {Sender} watching {Oracle}", RpcServer.ClientVersion, services.Transactions.Sender, services.Oracle.Address);
                    }

                    await challenger.RunAsync(stop).ConfigureAwait(false);
                }
                finally
                {
                    if (server is not null)
                    {
                        await server.DisposeAsync().ConfigureAwait(false);
                    }
                }
            }, cancellation));
        return command;
    }

    public static Command CreateWithdraw()
    {
        var command = new Command("withdraw", "A withdrawal from L2 to L1: status, prove (after an output covers it), finalize (after the window).");
        foreach ((string name, string description) in new[]
        {
            ("status", "Where the withdrawal stands: waiting-for-output, ready-to-prove, in-window (time left), ready-to-finalize or finalized."),
            ("prove", "Prove the withdrawal on L1 against the first output that covers it."),
            ("finalize", "Finalize a proven withdrawal on L1 once the window has passed."),
        })
        {
            var hash = new Argument<string>("l2-tx-hash") { Description = "The L2 transaction that started the withdrawal." };
            var l1Rpc = new Option<string>("--l1-rpc") { Description = "L1 JSON-RPC URL.", Required = true };
            var l2Rpc = new Option<string>("--l2-rpc") { Description = "An L2 node's JSON-RPC URL (receipts, eth_getProof).", Required = true };
            var addresses = new Option<FileInfo?>("--addresses") { Description = "addresses.json of the rollup (OptimismPortal; the oracle is read from it)." };
            var portalAddress = new Option<string?>("--portal") { Description = "The OptimismPortal (instead of --addresses)." };
            var key = new Option<string?>("--key") { Description = "Hex private key that pays for prove/finalize." };
            var sub = new Command(name, description) { hash, l1Rpc, l2Rpc, addresses, portalAddress, key };
            sub.SetAction(async (parse, cancellation) =>
            {
                try
                {
                    Hash256 txHash = Hash256.TryParse(parse.GetValue(hash), out Hash256 h) ? h : throw new FormatException($"'{parse.GetValue(hash)}' is not a transaction hash");
                    var l1 = new JsonRpcEndpoint(ParseUrl(parse.GetValue(l1Rpc)!, "--l1-rpc"));
                    var l2 = new JsonRpcEndpoint(ParseUrl(parse.GetValue(l2Rpc)!, "--l2-rpc"));
                    Address portalAt = parse.GetValue(portalAddress) is string p ? ParseAddress(p, "--portal")
                        : parse.GetValue(addresses) is FileInfo file ? await PortalFromAsync(file, cancellation).ConfigureAwait(false)
                        : throw new FormatException("give --addresses FILE or --portal ADDRESS");
                    var portal = new OptimismPortalWithdrawals(l1, portalAt);
                    var oracle = new L2OutputOracle(l1, await portal.L2OracleAsync(cancellation).ConfigureAwait(false));
                    var service = new WithdrawalService(l1, l2, portal, oracle);
                    IReadOnlyList<InitiatedWithdrawal> withdrawals = await service.FindAsync(txHash, cancellation).ConfigureAwait(false);
                    TxManager? transactions = null;
                    if (name != "status")
                    {
                        byte[] signer = ParseKey(parse.GetValue(key) ?? throw new FormatException($"withdraw {name} needs --key"), "--key");
                        transactions = new TxManager(l1, await ChainIdAsync(l1, cancellation).ConfigureAwait(false), signer, portalAt, NoBlobs);
                    }

                    foreach (InitiatedWithdrawal withdrawal in withdrawals)
                    {
                        Console.WriteLine($"withdrawal {withdrawal.WithdrawalHash} (L2 block {withdrawal.L2BlockNumber}): {withdrawal.Transaction}");
                        if (name == "status")
                        {
                            WithdrawalStatus status = await service.StatusAsync(withdrawal, cancellation).ConfigureAwait(false);
                            Console.WriteLine($"  {Kebab(status.Phase)}: {status.Detail}");
                            continue;
                        }

                        TxInclusion included = name == "prove"
                            ? await service.ProveAsync(withdrawal, transactions!, cancellation).ConfigureAwait(false)
                            : await service.FinalizeAsync(withdrawal, transactions!, cancellation).ConfigureAwait(false);
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name}d in L1 block {included.BlockNumber}: {included.Hash} ({included.GasUsed} gas)"));
                    }

                    return 0;
                }
                catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException or InvalidOperationException or System.Text.Json.JsonException)
                {
                    await Console.Error.WriteLineAsync($"hyperion withdraw {name}: {e.Message}").ConfigureAwait(false);
                    return 1;
                }
                catch (JsonRpcCallException e)
                {
                    await Console.Error.WriteLineAsync($"hyperion withdraw {name}: {e.Message}").ConfigureAwait(false);
                    return 1;
                }
            });
            command.Subcommands.Add(sub);
        }

        return command;
    }

    /// <summary>status names as the CLI prints them: waiting-for-output, ready-to-prove, in-window, ready-to-finalize, finalized.</summary>
    internal static string Kebab(WithdrawalPhase phase) => phase switch
    {
        WithdrawalPhase.WaitingForOutput => "waiting-for-output",
        WithdrawalPhase.ReadyToProve => "ready-to-prove",
        WithdrawalPhase.InWindow => "in-window",
        WithdrawalPhase.ReadyToFinalize => "ready-to-finalize",
        _ => "finalized",
    };

    private sealed record Services(IJsonRpc L1, IJsonRpc L2, L2OutputOracle Oracle, TxManager Transactions, ulong ChainId, TimeSpan Poll);

    private static async Task<int> RunServiceAsync(
        string name, string l1Url, string l2Url, string oracleAddress, string keyHex, string keyOption, double pollSeconds,
        Func<Services, ILogger, ILoggerFactory, CancellationToken, Task> run, CancellationToken cancellation)
    {
        using ILoggerFactory loggers = NodeLogging.CreateFactory(LogLevel.Information);
        try
        {
            if (!(pollSeconds > 0))
            {
                throw new FormatException("--poll-interval must be positive");
            }

            var l1 = new JsonRpcEndpoint(ParseUrl(l1Url, "--l1-rpc"));
            var l2 = new JsonRpcEndpoint(ParseUrl(l2Url, "--l2-rpc"));
            Address at = ParseAddress(oracleAddress, "--l2oo-address");
            byte[] key = ParseKey(keyHex, keyOption);
            ulong chainId = await ChainIdAsync(l1, cancellation).ConfigureAwait(false);
            var transactions = new TxManager(l1, chainId, key, at, NoBlobs, log: loggers.CreateLogger(name + ".tx"));
            await run(new Services(l1, l2, new L2OutputOracle(l1, at), transactions, chainId, TimeSpan.FromSeconds(pollSeconds)), loggers.CreateLogger(name), loggers, cancellation).ConfigureAwait(false);
            return 0;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return 0;
        }
        catch (Exception e) when (e is FormatException or JsonRpcCallException or IOException)
        {
            await Console.Error.WriteLineAsync($"hyperion {name}: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    private static void Warn(ILogger log, Address sender, Address expected, string role)
    {
        if (sender != expected)
        {
            log.LogWarning("the key's address {Sender} is not the oracle's {Role} {Expected}; its transactions will be refused", sender, role, expected);
        }
    }

    private static Rollup.Blobs.KzgSetup NoBlobs() => throw new InvalidOperationException("contract calls carry no blobs");

    private static async Task<ulong> ChainIdAsync(IJsonRpc rpc, CancellationToken cancellation) =>
        EthJson.ParseQuantity((string?)await rpc.CallAsync("eth_chainId", [], cancellation).ConfigureAwait(false) ?? throw new FormatException("eth_chainId answered null"));

    /// <summary>The portal of addresses.json (<c>OptimismPortal</c>, as <c>hyperion rollup deploy</c> writes it).</summary>
    private static async Task<Address> PortalFromAsync(FileInfo file, CancellationToken cancellation)
    {
        JsonNode? json = JsonNode.Parse(await File.ReadAllTextAsync(file.FullName, cancellation).ConfigureAwait(false));
        string? portal = (json?["OptimismPortal"] ?? json?["optimismPortal"])?.GetValue<string>();
        return ParseAddress(portal ?? throw new FormatException($"{file.FullName} names no OptimismPortal"), "OptimismPortal in " + file.Name);
    }
}

/// <summary>
/// The challenger's /metrics through prometheus-net (as <see cref="NodeMetrics"/>): outputs checked by verdict, read
/// from its status (<see cref="OutputChallenger.Status"/>) at each scrape, plus build_info and the runtime's and process's metrics.
/// </summary>
internal sealed class ChallengerMetrics
{
    private readonly Prometheus.CollectorRegistry _registry = Prometheus.Metrics.NewCustomRegistry();

    public ChallengerMetrics(Func<JsonObject> challengerStatus)
    {
        ArgumentNullException.ThrowIfNull(challengerStatus);
        Prometheus.MetricFactory metrics = Prometheus.Metrics.WithCustomRegistry(_registry);
        Prometheus.Counter outputs = metrics.CreateCounter("hyperion_challenger_outputs_total", "Outputs the challenger checked, by verdict.",
            new Prometheus.CounterConfiguration { LabelNames = ["verdict"] });
        metrics.CreateGauge("hyperion_build_info", "The client version (always 1).", new Prometheus.GaugeConfiguration { LabelNames = ["version", "dotnet"] })
            .WithLabels(RpcServer.ClientVersion, Environment.Version.ToString()).Set(1);
        _registry.AddBeforeCollectCallback(() =>
        {
            JsonObject status = challengerStatus();
            outputs.WithLabels("correct").IncTo(status["correct"]!.GetValue<long>());
            outputs.WithLabels("deleted").IncTo(status["deleted"]!.GetValue<long>());
            outputs.WithLabels("wrong_past_window").IncTo(status["wrongPastWindow"]!.GetValue<long>());
        });
        Prometheus.DotNetStats.Register(_registry);
    }

    public Task ExportAsync(Stream destination, CancellationToken cancellationToken) => _registry.CollectAndExportAsTextAsync(destination, cancellationToken);
}
