using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.Node.L1;

namespace Hyperion.Rollup.Node.Derivation;

/// <summary>
/// The L1 reads the derivation and the sequencer repeat (an epoch's header and receipts are read by its traversal
/// and again by each of its L2 blocks), kept for the most recent blocks. Headers by number are not cached: the
/// canonical block at a height is what a reorg changes.
/// </summary>
public sealed class L1Cache(IL1Source source, int capacity = 512)
{
    private readonly object _lock = new();
    private readonly Dictionary<Hash256, BlockHeader> _headers = [];
    private readonly Dictionary<Hash256, IReadOnlyList<Receipt>> _receipts = [];
    private readonly Queue<Hash256> _order = new();

    public IL1Source Source { get; } = source ?? throw new ArgumentNullException(nameof(source));

    public async Task<BlockHeader?> HeaderByNumberAsync(ulong number, CancellationToken cancellation)
    {
        BlockHeader? header = await Source.HeaderByNumberAsync(number, cancellation).ConfigureAwait(false);
        if (header is not null)
        {
            Remember(header);
        }

        return header;
    }

    /// <exception cref="L1SourceException">The block is not known to L1 (or L1 cannot be read).</exception>
    public async Task<BlockHeader> HeaderByHashAsync(Hash256 hash, CancellationToken cancellation)
    {
        lock (_lock)
        {
            if (_headers.TryGetValue(hash, out BlockHeader? cached))
            {
                return cached;
            }
        }

        BlockHeader header = await Source.HeaderByHashAsync(hash, cancellation).ConfigureAwait(false)
            ?? throw new L1SourceException($"L1 block {hash} is not known to L1");
        Remember(header);
        return header;
    }

    public async Task<IReadOnlyList<Receipt>> ReceiptsAsync(BlockHeader header, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(header);
        lock (_lock)
        {
            if (_receipts.TryGetValue(header.Hash, out IReadOnlyList<Receipt>? cached))
            {
                return cached;
            }
        }

        IReadOnlyList<Receipt> receipts = await Source.ReceiptsAsync(header, cancellation).ConfigureAwait(false);
        lock (_lock)
        {
            Remember(header);
            _receipts[header.Hash] = receipts;
        }

        return receipts;
    }

    /// <summary>Whether <paramref name="block"/> is L1's canonical block at its height.</summary>
    public async Task<bool> IsCanonicalAsync(BlockId block, CancellationToken cancellation)
    {
        BlockHeader? header = await Source.HeaderByNumberAsync(block.Number, cancellation).ConfigureAwait(false);
        return header is not null && header.Hash == block.Hash;
    }

    private void Remember(BlockHeader header)
    {
        lock (_lock)
        {
            if (_headers.TryAdd(header.Hash, header))
            {
                _order.Enqueue(header.Hash);
                while (_order.Count > capacity)
                {
                    Hash256 oldest = _order.Dequeue();
                    _headers.Remove(oldest);
                    _receipts.Remove(oldest);
                }
            }
        }
    }
}
