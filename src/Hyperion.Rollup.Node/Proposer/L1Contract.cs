using Hyperion.Core;
using Hyperion.Rollup.Node.L1;
using Nethereum.ABI.FunctionEncoding;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;
using Newtonsoft.Json.Linq;

namespace Hyperion.Rollup.Node.Proposer;

/// <summary>
/// Read calls to an L1 (or L2) contract over JSON-RPC, ABI-encoded and decoded with Nethereum's function messages.
/// Failures throw <see cref="JsonRpcCallException"/> (a reverting call carries the node's error) or
/// <see cref="FormatException"/> (an answer that does not decode).
/// </summary>
public sealed class L1Contract(IJsonRpc rpc, Address address)
{
    public Address Address { get; } = address;

    public IJsonRpc Rpc { get; } = rpc;

    /// <summary><c>eth_call</c> of <paramref name="message"/> at <paramref name="block"/> ("latest" by default), decoded as <typeparamref name="TOutput"/>.</summary>
    public async Task<TOutput> CallAsync<TMessage, TOutput>(TMessage message, CancellationToken cancellation, string block = "latest")
        where TMessage : FunctionMessage, new()
        where TOutput : IFunctionOutputDTO, new()
    {
        ArgumentNullException.ThrowIfNull(message);
        var call = new JObject { ["to"] = Address.ToString(), ["data"] = Hex.Encode(message.GetCallData()) };
        string? answer = (string?)await Rpc.CallAsync("eth_call", [call, block], cancellation).ConfigureAwait(false);
        if (answer is null || answer.Length <= 2)
        {
            throw new FormatException($"{Address}: {typeof(TMessage).Name} answered nothing (is the contract deployed there?)");
        }

        try
        {
            return new FunctionCallDecoder().DecodeFunctionOutput<TOutput>(answer);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new FormatException($"{Address}: the answer to {typeof(TMessage).Name} does not decode: {e.Message}", e);
        }
    }

    /// <summary>A single uint256 answer, as most of the oracle's getters give.</summary>
    public async Task<System.Numerics.BigInteger> UIntAsync<TMessage>(CancellationToken cancellation, TMessage? message = null)
        where TMessage : FunctionMessage, new() =>
        (await CallAsync<TMessage, UIntOutput>(message ?? new TMessage(), cancellation).ConfigureAwait(false)).Value;

    /// <summary>The transaction that calls <paramref name="message"/> on this contract.</summary>
    public Batcher.TxCandidate Transaction<TMessage>(TMessage message)
        where TMessage : FunctionMessage, new()
    {
        ArgumentNullException.ThrowIfNull(message);
        return new Batcher.TxCandidate(message.GetCallData(), [], Address);
    }

    /// <summary>The timestamp of the chain's latest block (what <c>block.timestamp</c> is compared with).</summary>
    public static async Task<ulong> LatestTimeAsync(IJsonRpc rpc, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(rpc);
        JToken latest = await rpc.CallAsync("eth_getBlockByNumber", ["latest", false], cancellation).ConfigureAwait(false)
            ?? throw new JsonRpcCallException("eth_getBlockByNumber", "the chain has no latest block");
        return RpcObjects.Quantity(latest, "timestamp");
    }
}
