using System.ComponentModel;
using System.Globalization;
using System.Numerics;
using System.Reflection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Nethereum.Contracts;
using Nethereum.Hex.HexTypes;
using Nethereum.JsonRpc.Client;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Util;

namespace Hyperion.Alith.Mcp;

/// <summary>
/// The tools of `hyperion mcp`: the chain for any MCP client — chain info, balances, blocks, calls, logs, sending
/// transactions with the configured key (held to its spending limit), free inference, and DAT classes and usage.
/// Integers are decimal strings (wei, class ids). Every failure is an MCP tool error with a sentence saying what was
/// wrong (bad argument, no key, over the limit, or the node's own error text).
/// </summary>
[McpServerToolType]
public sealed class ChainMcpTools(HyperionChain chain)
{
    private static readonly string[] KindNames = ["none", "dataset", "model", "agent"];

    [McpServerTool(Name = "chain_info", ReadOnly = true), Description("Chain id, latest block number, the configured account and what it may still spend.")]
    public Task<Dictionary<string, object?>> ChainInfo() => Guard(async () => new Dictionary<string, object?>
    {
        ["chainId"] = chain.ChainId.ToString(CultureInfo.InvariantCulture),
        ["blockNumber"] = (await chain.Web3.Eth.Blocks.GetBlockNumber.SendRequestAsync().ConfigureAwait(false)).Value.ToString(CultureInfo.InvariantCulture),
        ["account"] = chain.Account?.Address,
        ["spendingLimitWei"] = chain.Limit?.TotalWei.ToString(CultureInfo.InvariantCulture),
        ["spentWei"] = chain.Limit?.SpentWei.ToString(CultureInfo.InvariantCulture),
        ["perTransactionLimitWei"] = chain.Limit?.PerTransactionWei?.ToString(CultureInfo.InvariantCulture),
    });

    [McpServerTool(Name = "get_balance", ReadOnly = true), Description("Balance of an address in wei and ether.")]
    public Task<Dictionary<string, object?>> GetBalance(
        [Description("0x-prefixed address")] string address,
        [Description("block: latest, pending, earliest, or a number")] string block = "latest") => Guard(async () =>
    {
        BigInteger wei = (await chain.Web3.Eth.GetBalance.SendRequestAsync(Address(address), Block(block)).ConfigureAwait(false)).Value;
        return new Dictionary<string, object?> { ["address"] = address, ["wei"] = wei.ToString(CultureInfo.InvariantCulture), ["ether"] = UnitConversion.Convert.FromWei(wei).ToString(CultureInfo.InvariantCulture) };
    });

    [McpServerTool(Name = "get_block", ReadOnly = true), Description("A block's number, hash, parent, timestamp, gas and transaction hashes.")]
    public Task<Dictionary<string, object?>> GetBlock([Description("latest, pending, earliest, or a number")] string block = "latest") => Guard(async () =>
    {
        BlockWithTransactionHashes b = await chain.Web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(Block(block)).ConfigureAwait(false)
            ?? throw new McpException($"block {block} does not exist");
        return new Dictionary<string, object?>
        {
            ["number"] = b.Number.Value.ToString(CultureInfo.InvariantCulture),
            ["hash"] = b.BlockHash,
            ["parentHash"] = b.ParentHash,
            ["timestamp"] = b.Timestamp.Value.ToString(CultureInfo.InvariantCulture),
            ["gasUsed"] = b.GasUsed.Value.ToString(CultureInfo.InvariantCulture),
            ["gasLimit"] = b.GasLimit.Value.ToString(CultureInfo.InvariantCulture),
            ["miner"] = b.Miner,
            ["transactions"] = b.TransactionHashes,
        };
    });

    [McpServerTool(Name = "call", ReadOnly = true), Description("eth_call: runs a call without a transaction and returns the output bytes as hex.")]
    public Task<Dictionary<string, object?>> Call(
        [Description("contract address")] string to,
        [Description("calldata, 0x-prefixed hex (selector and ABI-encoded arguments)")] string data,
        [Description("optional sender address")] string? from = null,
        [Description("block: latest, pending, earliest, or a number")] string block = "latest") => Guard(async () =>
    {
        var input = new CallInput(Hex(data), Address(to)) { From = from is null ? null : Address(from) };
        string output = await chain.Web3.Eth.Transactions.Call.SendRequestAsync(input, Block(block)).ConfigureAwait(false);
        return new Dictionary<string, object?> { ["output"] = output };
    });

    [McpServerTool(Name = "get_logs", ReadOnly = true), Description("Event logs in a block range, optionally of one address and first topic.")]
    public Task<List<Dictionary<string, object?>>> GetLogs(
        [Description("first block (number, or latest)")] string fromBlock,
        [Description("last block (number, or latest)")] string toBlock = "latest",
        [Description("optional contract address")] string? address = null,
        [Description("optional topic 0 (the event signature hash)")] string? topic0 = null) => Guard(async () =>
    {
        var filter = new NewFilterInput
        {
            FromBlock = Block(fromBlock),
            ToBlock = Block(toBlock),
            Address = address is null ? null : [Address(address)],
            Topics = topic0 is null ? null : [Hex(topic0)],
        };
        FilterLog[] logs = await chain.Web3.Eth.Filters.GetLogs.SendRequestAsync(filter).ConfigureAwait(false);
        return logs.Select(l => new Dictionary<string, object?>
        {
            ["address"] = l.Address,
            ["blockNumber"] = l.BlockNumber.Value.ToString(CultureInfo.InvariantCulture),
            ["transactionHash"] = l.TransactionHash,
            ["logIndex"] = l.LogIndex.Value.ToString(CultureInfo.InvariantCulture),
            ["topics"] = l.Topics.Select(t => t.ToString()).ToList(),
            ["data"] = l.Data,
        }).ToList();
    });

    [McpServerTool(Name = "send_transaction", Destructive = true), Description("Signs and sends a transaction with the server's key, within its spending limit; waits for the receipt.")]
    public Task<Dictionary<string, object?>> SendTransaction(
        [Description("recipient or contract address")] string to,
        [Description("wei to send, a decimal string")] string valueWei = "0",
        [Description("calldata, 0x-prefixed hex")] string data = "0x") => Guard(async () =>
    {
        BigInteger value = Wei(valueWei);
        TransactionReceipt receipt = await chain.SendAsync(Address(to), value, Hex(data)).ConfigureAwait(false);
        return new Dictionary<string, object?>
        {
            ["transactionHash"] = receipt.TransactionHash,
            ["status"] = receipt.Status?.Value == 1 ? "success" : "reverted",
            ["blockNumber"] = receipt.BlockNumber.Value.ToString(CultureInfo.InvariantCulture),
            ["gasUsed"] = receipt.GasUsed.Value.ToString(CultureInfo.InvariantCulture),
            ["contractAddress"] = receipt.ContractAddress,
        };
    });

    [McpServerTool(Name = "infer", ReadOnly = true), Description("Runs a registered model on chain through the inference precompile (eth_call: free, not recorded).")]
    public Task<Dictionary<string, object?>> Infer(
        [Description("the model's content hash (Keccak-256 of its HQM file), 0x + 64 hex digits")] string model,
        [Description("the prompt text")] string prompt,
        [Description("new tokens, 1 to 512")] int maxNewTokens = 32,
        [Description("temperature as a decimal, 0 = greedy")] string temperature = "0",
        [Description("top-p as a decimal, 0 or 1 = off")] string topP = "0",
        [Description("sampling seed")] long seed = 0) => Guard(async () =>
    {
        byte[] hash = Hex(model).Length == 66 ? AbiValues.Hex(model) : throw new ArgumentException($"model '{model}' is not 0x and 64 hex digits");
        if (maxNewTokens is < 1 or > 512) throw new ArgumentException($"maxNewTokens {maxNewTokens} is outside 1..512");
        if (seed < 0) throw new ArgumentException($"seed {seed} is negative");
        var settings = new InferenceSettings((uint)maxNewTokens, Q16(temperature, nameof(temperature)), Q16(topP, nameof(topP)), (ulong)seed);
        InferenceResult result = await chain.GenerateAsync(hash, prompt, settings).ConfigureAwait(false);
        return new Dictionary<string, object?> { ["tokens"] = result.Tokens, ["text"] = result.Text, ["temperatureQ16"] = settings.TemperatureQ16, ["topPQ16"] = settings.TopPQ16 };
    });

    [McpServerTool(Name = "dat_class", ReadOnly = true), Description("A Data Anchored Token class: kind, manager, content hash, URI, price per use, shares, provenance, revenue and usage.")]
    public Task<Dictionary<string, object?>> DatClass(
        [Description("the DataAnchoredToken contract address")] string dat,
        [Description("class id, a decimal string")] string classId) => Guard(async () =>
    {
        string at = Address(dat);
        BigInteger id = Wei(classId);
        ClassInfoOutput info = await chain.Web3.Eth.GetContractQueryHandler<ClassInfoFunction>().QueryDeserializingToObjectAsync<ClassInfoOutput>(new ClassInfoFunction { ClassId = id }, at).ConfigureAwait(false);
        ProvenanceOutput provenance = await chain.Web3.Eth.GetContractQueryHandler<ProvenanceFunction>().QueryDeserializingToObjectAsync<ProvenanceOutput>(new ProvenanceFunction { ClassId = id }, at).ConfigureAwait(false);
        RevenueInfoOutput revenue = await chain.Web3.Eth.GetContractQueryHandler<RevenueInfoFunction>().QueryDeserializingToObjectAsync<RevenueInfoOutput>(new RevenueInfoFunction { ClassId = id }, at).ConfigureAwait(false);
        return new Dictionary<string, object?>
        {
            ["classId"] = classId,
            ["kind"] = info.Kind < KindNames.Length ? KindNames[info.Kind] : info.Kind.ToString(CultureInfo.InvariantCulture),
            ["manager"] = info.Manager,
            ["contentHash"] = "0x" + Convert.ToHexStringLower(info.ContentHash),
            ["uri"] = info.Uri,
            ["pricePerUseWei"] = info.PricePerUse.ToString(CultureInfo.InvariantCulture),
            ["totalShares"] = info.TotalShares.ToString(CultureInfo.InvariantCulture),
            ["parents"] = provenance.Parents.Select(p => p.ToString(CultureInfo.InvariantCulture)).ToList(),
            ["parentBps"] = provenance.ParentBps,
            ["totalRevenueWei"] = revenue.TotalRevenue.ToString(CultureInfo.InvariantCulture),
            ["carryWei"] = revenue.Carry.ToString(CultureInfo.InvariantCulture),
            ["usageCount"] = revenue.UsageCount.ToString(CultureInfo.InvariantCulture),
        };
    });

    [McpServerTool(Name = "dat_usage", ReadOnly = true), Description("How many uses of a DAT class were recorded for a user.")]
    public Task<Dictionary<string, object?>> DatUsage(
        [Description("the DataAnchoredToken contract address")] string dat,
        [Description("class id, a decimal string")] string classId,
        [Description("the user's address")] string user) => Guard(async () =>
    {
        BigInteger uses = await chain.Web3.Eth.GetContractQueryHandler<UsageOfFunction>()
            .QueryAsync<BigInteger>(Address(dat), new UsageOfFunction { ClassId = Wei(classId), User = Address(user) }).ConfigureAwait(false);
        return new Dictionary<string, object?> { ["classId"] = classId, ["user"] = user, ["uses"] = uses.ToString(CultureInfo.InvariantCulture) };
    });

    /// <summary>Server options with these tools, named "hyperion".</summary>
    public static McpServerOptions ServerOptions(HyperionChain chain)
    {
        var tools = new ChainMcpTools(chain);
        var options = new McpServerOptions
        {
            ServerInfo = new Implementation { Name = "hyperion", Version = typeof(ChainMcpTools).Assembly.GetName().Version?.ToString() ?? "0" },
            ServerInstructions = "Tools for a Hyperion (Ethereum L2) node: read state, send transactions with the server's key within its limits, run on-chain inference, read LazAI Data Anchored Token classes. Integers are decimal strings.",
            ToolCollection = [],
        };
        foreach (MethodInfo method in typeof(ChainMcpTools).GetMethods(BindingFlags.Public | BindingFlags.Instance).Where(m => m.GetCustomAttribute<McpServerToolAttribute>() is not null))
        {
            options.ToolCollection.Add(McpServerTool.Create(method, tools));
        }

        return options;
    }

    /// <summary>Serves the tools over stdin/stdout until the client disconnects or <paramref name="cancellationToken"/> fires.</summary>
    public static async Task RunStdioAsync(HyperionChain chain, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        McpServerOptions options = ServerOptions(chain);
        await using McpServer server = McpServer.Create(new StdioServerTransport(options, loggerFactory), options, loggerFactory);
        await server.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<T> Guard<T>(Func<Task<T>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (RpcResponseException e)
        {
            string data = e.RpcError?.Data is { } d ? $" (data {d})" : "";
            throw new McpException($"the node refused: {e.RpcError?.Message ?? e.Message}{data}", e);
        }
        catch (Exception e) when (e is Nethereum.ABI.FunctionEncoding.SmartContractRevertException or SmartContractCustomErrorRevertException)
        {
            throw new McpException($"the node refused: the call reverted: {e.Message}", e);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException or InvalidOperationException or RpcClientUnknownException or RpcClientTimeoutException)
        {
            throw new McpException(e.Message, e);
        }
    }

    private static string Address(string text) => AbiValues.IsAddress(text) ? text : throw new ArgumentException($"'{text}' is not an address (0x and 40 hex digits)");

    private static string Hex(string text)
    {
        if (text is null || !text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || text.Length % 2 != 0 || !text.AsSpan(2).ToString().All(Uri.IsHexDigit))
        {
            throw new ArgumentException($"'{text}' is not 0x-prefixed hex with whole bytes");
        }

        return text;
    }

    private static BigInteger Wei(string text) =>
        BigInteger.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out BigInteger value) ? value : throw new ArgumentException($"'{text}' is not a non-negative decimal integer");

    private static uint Q16(string text, string name)
    {
        try
        {
            return InferenceSettings.ToQ16(text);
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"{name} '{text}' is not a non-negative decimal: {e.Message}", e);
        }
    }

    private static BlockParameter Block(string text) => text switch
    {
        "latest" => BlockParameter.CreateLatest(),
        "pending" => BlockParameter.CreatePending(),
        "earliest" => BlockParameter.CreateEarliest(),
        _ when text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) => new BlockParameter(new HexBigInteger(text)),
        _ => new BlockParameter(new HexBigInteger(Wei(text))),
    };
}
