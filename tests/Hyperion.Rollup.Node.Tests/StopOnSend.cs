using Hyperion.Rollup.Node.L1;
using Newtonsoft.Json.Linq;

namespace Hyperion.Rollup.Node.Tests;

/// <summary>An L1 that requests the stop as it accepts a transaction, so the sender is stopped while it waits for the receipt.</summary>
internal sealed class StopOnSend(IJsonRpc l1, CancellationTokenSource stop) : IJsonRpc
{
    public async Task<JToken?> CallAsync(string method, object?[] parameters, CancellationToken cancellation)
    {
        JToken? result = await l1.CallAsync(method, parameters, cancellation);
        if (method == "eth_sendRawTransaction")
        {
            await stop.CancelAsync();
        }

        return result;
    }
}
