using System.Globalization;
using Nethereum.JsonRpc.Client;
using Newtonsoft.Json.Linq;

namespace Hyperion.Rollup.Node.L1;

/// <summary>A JSON-RPC method that the caller can answer (so a test can stand between a client and a node).</summary>
public interface IJsonRpc
{
    /// <summary>The method's result, or null when the node answers null.</summary>
    /// <exception cref="JsonRpcCallException">The node could not be reached, or answered with an error.</exception>
    Task<JToken?> CallAsync(string method, object?[] parameters, CancellationToken cancellation);
}

/// <summary>A JSON-RPC call failed: transport, timeout, or the node's error answer (with its code).</summary>
public sealed class JsonRpcCallException(string method, string message, long? code = null, Exception? inner = null)
    : Exception($"{method}: {message}", inner)
{
    public string Method { get; } = method;

    /// <summary>The JSON-RPC error code when the node answered with an error; null for transport failures.</summary>
    public long? Code { get; } = code;

    /// <summary>-32601: the node does not serve the method.</summary>
    public bool IsMethodNotFound => Code == -32601;
}

/// <summary>An Ethereum JSON-RPC endpoint over HTTP (Nethereum's RPC client as the transport).</summary>
public sealed class JsonRpcEndpoint : IJsonRpc
{
    private readonly RpcClient _client;
    private long _nextId;

    public JsonRpcEndpoint(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        Url = url;
        _client = new RpcClient(url);
    }

    public Uri Url { get; }

    public async Task<JToken?> CallAsync(string method, object?[] parameters, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var request = new RpcRequest(Interlocked.Increment(ref _nextId).ToString(CultureInfo.InvariantCulture), method, parameters);
        try
        {
            JToken? result = await _client.SendRequestAsync<JToken>(request).WaitAsync(cancellation).ConfigureAwait(false);
            return result is null || result.Type == JTokenType.Null ? null : result;
        }
        catch (RpcResponseException e)
        {
            throw new JsonRpcCallException(method, e.RpcError?.Message ?? e.Message, e.RpcError?.Code, e);
        }
        catch (Exception e) when (e is RpcClientUnknownException or RpcClientTimeoutException or HttpRequestException or RpcResponseFormatException)
        {
            throw new JsonRpcCallException(method, $"{Url} could not be read: {e.InnerException?.Message ?? e.Message}", null, e);
        }
    }
}
