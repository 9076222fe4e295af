using System.Globalization;
using System.Numerics;
using Hyperion.Inference.Numerics;
using Nethereum.ABI;
using Nethereum.Contracts;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Util;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;

namespace Hyperion.Alith;

/// <summary>
/// One inference request as the chain takes it: temperature and top-p in Q16 (65536 = 1.0; temperature 0 is greedy,
/// top-p 0 or 65536 turns the nucleus off).
/// </summary>
public sealed record InferenceSettings(uint MaxNewTokens, uint TemperatureQ16 = 0, uint TopPQ16 = 0, ulong Seed = 0)
{
    /// <summary>Decimal text such as "0.75" to Q16, rounded as `hyperion infer --temperature` rounds it.</summary>
    public static uint ToQ16(string value) => checked((uint)FixedPoint.ParseDecimalQ16(value));

    /// <summary>A float option (Microsoft.Extensions.AI's ChatOptions) to Q16 through its shortest decimal text.</summary>
    public static uint ToQ16(float value)
    {
        if (!float.IsFinite(value) || value < 0) throw new ArgumentOutOfRangeException(nameof(value), $"{value} is not a non-negative number");
        return ToQ16(((decimal)value).ToString(CultureInfo.InvariantCulture));
    }
}

/// <summary>A generation: the token ids (prompt excluded), their text, and for a paid call its transaction and record.</summary>
public sealed record InferenceResult(IReadOnlyList<int> Tokens, string Text, string? TransactionHash = null, BigInteger? RecordId = null, BigInteger? PricePaidWei = null);

/// <summary>
/// A Hyperion node over JSON-RPC (Nethereum), with an optional key and spending limit. Free inference is an eth_call
/// of the precompile; paid inference is a transaction through an InferenceMarket, first simulated (so a failing call
/// costs nothing) and afterwards checked against the output hash the market recorded.
/// </summary>
public sealed class HyperionChain
{
    public const string PrecompileAddress = "0x0000000000000000000000000000000000000a11";
    public const string ModelRegistryAddress = "0x0000000000000000000000000000000000000a12";

    private HyperionChain(Web3 web3, BigInteger chainId, Account? account, SpendingLimit? limit)
    {
        Web3 = web3;
        ChainId = chainId;
        Account = account;
        Limit = limit;
    }

    public Web3 Web3 { get; }

    public BigInteger ChainId { get; }

    /// <summary>The signing account, or null for a read-only connection.</summary>
    public Account? Account { get; }

    public SpendingLimit? Limit { get; }

    /// <summary>Connects to <paramref name="rpcUrl"/>; with a key, transactions are signed locally for the node's chain id.</summary>
    public static async Task<HyperionChain> ConnectAsync(string rpcUrl, string? privateKey = null, SpendingLimit? limit = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(rpcUrl);
        BigInteger chainId = (await new Web3(rpcUrl).Eth.ChainId.SendRequestAsync().ConfigureAwait(false)).Value;
        if (privateKey is null) return new HyperionChain(new Web3(rpcUrl), chainId, null, limit);
        var account = new Account(privateKey, chainId);
        return new HyperionChain(new Web3(account, rpcUrl), chainId, account, limit);
    }

    /// <summary>Free, unrecorded inference: eth_call of the precompile.</summary>
    public async Task<InferenceResult> GenerateAsync(byte[] modelHash, string prompt, InferenceSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var message = new GenerateFunction
        {
            Model = CheckHash(modelHash),
            Prompt = prompt,
            MaxNewTokens = settings.MaxNewTokens,
            TemperatureQ16 = settings.TemperatureQ16,
            TopPQ16 = settings.TopPQ16,
            Seed = settings.Seed,
        };
        cancellationToken.ThrowIfCancellationRequested();
        GenerationOutput output = await Web3.Eth.GetContractQueryHandler<GenerateFunction>()
            .QueryDeserializingToObjectAsync<GenerationOutput>(message, PrecompileAddress).ConfigureAwait(false);
        return new InferenceResult(ToInts(output.Tokens), output.Text);
    }

    /// <summary>The market's price for one use of <paramref name="modelClass"/> and its split.</summary>
    public Task<QuoteOutput> QuoteAsync(string market, BigInteger modelClass) =>
        Web3.Eth.GetContractQueryHandler<QuoteFunction>().QueryDeserializingToObjectAsync<QuoteOutput>(new QuoteFunction { ClassId = modelClass }, market);

    /// <summary>Paid, recorded inference through an InferenceMarket at its current price.</summary>
    public async Task<InferenceResult> InferPaidAsync(string market, BigInteger modelClass, string prompt, InferenceSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Account account = RequireAccount("paid inference");
        BigInteger price = (await QuoteAsync(market, modelClass).ConfigureAwait(false)).Price;
        var message = new MarketInferFunction
        {
            ModelClass = modelClass,
            Prompt = prompt,
            Params = new InferenceParamsStruct { MaxNewTokens = settings.MaxNewTokens, TemperatureQ16 = settings.TemperatureQ16, TopPQ16 = settings.TopPQ16, Seed = settings.Seed },
            AmountToSend = price,
            FromAddress = account.Address,
        };
        MarketInferOutput simulated = await Web3.Eth.GetContractQueryHandler<MarketInferFunction>()
            .QueryDeserializingToObjectAsync<MarketInferOutput>(message, market).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();

        var handler = Web3.Eth.GetContractTransactionHandler<MarketInferFunction>();
        message.Gas = await handler.EstimateGasAsync(market, message).ConfigureAwait(false);
        message.GasPrice = await Web3.Eth.GasPrice.SendRequestAsync().ConfigureAwait(false);
        Limit?.Reserve(price + message.Gas.Value * message.GasPrice.Value, $"inference through market {market}");
        TransactionReceipt receipt = await handler.SendRequestAndWaitForReceiptAsync(market, message, cancellationToken).ConfigureAwait(false);
        if (receipt.Status?.Value != 1) throw new InvalidOperationException($"inference transaction {receipt.TransactionHash} failed");
        var recorded = receipt.DecodeAllEvents<InferenceRecordedEvent>().Select(e => e.Event).SingleOrDefault()
            ?? throw new InvalidOperationException($"transaction {receipt.TransactionHash} recorded no inference");
        if (!recorded.OutputHash.AsSpan().SequenceEqual(OutputHash(simulated.Tokens)))
        {
            throw new InvalidOperationException($"the market recorded output hash 0x{Convert.ToHexStringLower(recorded.OutputHash)}, not the simulated tokens' (the state changed in between); read the record {recorded.Id}");
        }

        return new InferenceResult(ToInts(simulated.Tokens), simulated.Text, receipt.TransactionHash, recorded.Id, price);
    }

    /// <summary>keccak256(abi.encode(uint32[] tokens)): the output hash the LazAI contracts record and verify.</summary>
    public static byte[] OutputHash(IEnumerable<uint> tokens) =>
        Sha3Keccack.Current.CalculateHash(new ABIEncode().GetABIEncoded(new ABIValue("uint32[]", tokens.ToList())));

    /// <summary>
    /// Sends a transaction from the configured key (value in wei, data hex or empty), after estimating gas and
    /// reserving the worst case against the spending limit; returns the receipt.
    /// </summary>
    public async Task<TransactionReceipt> SendAsync(string to, BigInteger valueWei, string? data, CancellationToken cancellationToken = default)
    {
        Account account = RequireAccount("sending a transaction");
        if (valueWei < 0) throw new ArgumentOutOfRangeException(nameof(valueWei), "the value is negative");
        var input = new TransactionInput(data ?? "0x", to, account.Address, null, null, new HexBigInteger(valueWei));
        input.Gas = await Web3.Eth.TransactionManager.EstimateGasAsync(input).ConfigureAwait(false);
        input.GasPrice = await Web3.Eth.GasPrice.SendRequestAsync().ConfigureAwait(false);
        Limit?.Reserve(valueWei + input.Gas.Value * input.GasPrice.Value, $"a transaction to {to}");
        return await Web3.Eth.TransactionManager.SendTransactionAndWaitForReceiptAsync(input, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Calls (view/pure) or sends one contract function; a call returns its outputs by name as JSON-friendly values
    /// (integers as decimal strings, bytes as hex), a send its transaction hash, status and gas used.
    /// </summary>
    public async Task<object> InvokeAsync(Function function, bool isCall, object[] arguments, BigInteger valueWei, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (isCall)
        {
            List<Nethereum.ABI.FunctionEncoding.ParameterOutput> outputs = await function.CallDecodingToDefaultAsync(arguments).ConfigureAwait(false);
            return outputs.ToDictionary(
                o => string.IsNullOrEmpty(o.Parameter.Name) ? $"output{o.Parameter.Order}" : o.Parameter.Name,
                o => AbiValues.ToPlain(o.Result));
        }

        TransactionReceipt receipt = await SendAsync(function.ContractAddress, valueWei, function.GetData(arguments), cancellationToken).ConfigureAwait(false);
        return new Dictionary<string, object?>
        {
            ["transactionHash"] = receipt.TransactionHash,
            ["status"] = receipt.Status?.Value == 1 ? "success" : "reverted",
            ["gasUsed"] = receipt.GasUsed?.Value.ToString(CultureInfo.InvariantCulture),
        };
    }

    private Account RequireAccount(string what) =>
        Account ?? throw new InvalidOperationException($"{what} needs a key: connect with a private key");

    private static byte[] CheckHash(byte[] hash) =>
        hash is { Length: 32 } ? hash : throw new ArgumentException("a model hash is 32 bytes (the Keccak-256 of its HQM file)", nameof(hash));

    private static int[] ToInts(List<uint> tokens) => [.. tokens.Select(t => checked((int)t))];
}
