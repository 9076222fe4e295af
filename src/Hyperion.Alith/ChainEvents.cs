using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;

namespace Hyperion.Alith;

/// <summary>Lets an agent act on chain events: polls eth_getLogs for new blocks and hands each log to a handler, in order.</summary>
public static class ChainEvents
{
    /// <summary>
    /// Watches logs of <paramref name="address"/> (optionally only with <paramref name="topic0"/>) from the block after
    /// the current head until <paramref name="cancellationToken"/> is cancelled; each log is handled before the next.
    /// </summary>
    public static async Task WatchAsync(HyperionChain chain, string address, string? topic0, Func<FilterLog, CancellationToken, Task> handler, TimeSpan pollInterval, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(handler);
        var next = (await chain.Web3.Eth.Blocks.GetBlockNumber.SendRequestAsync().ConfigureAwait(false)).Value + 1;
        while (!cancellationToken.IsCancellationRequested)
        {
            var head = (await chain.Web3.Eth.Blocks.GetBlockNumber.SendRequestAsync().ConfigureAwait(false)).Value;
            if (head >= next)
            {
                var filter = new NewFilterInput
                {
                    Address = [address],
                    FromBlock = new BlockParameter(new HexBigInteger(next)),
                    ToBlock = new BlockParameter(new HexBigInteger(head)),
                    Topics = topic0 is null ? null : [topic0],
                };
                foreach (FilterLog log in await chain.Web3.Eth.Filters.GetLogs.SendRequestAsync(filter).ConfigureAwait(false))
                {
                    await handler(log, cancellationToken).ConfigureAwait(false);
                }

                next = head + 1;
            }

            try
            {
                await Task.Delay(pollInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
