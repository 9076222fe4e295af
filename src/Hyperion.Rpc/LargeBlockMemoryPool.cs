using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace Hyperion.Rpc;

/// <summary>
/// Kestrel's memory pool with blocks of <see cref="BlockBytes"/> instead of its 4 KB: the socket transport receives
/// into one block at a time, so a 41 KB eth_call with override code took ~11 receive calls, ~11 turns of the body
/// read and a copy of the body out of its segments; in one block it is one or two receives, read in place
/// (docs/benchmarks.md, s33rpc). Blocks are pinned (the heap for pinned objects, as Kestrel's own pool) and reused;
/// at most <see cref="MaxFreeBlocks"/> are kept free, the rest left to the collector.
/// </summary>
internal sealed class LargeBlockMemoryPool : MemoryPool<byte>
{
    /// <summary>Bytes in a block: an evm-bench request with 20 KB of override code (41–48 KB of JSON) and its headers.</summary>
    public const int BlockBytes = 64 * 1024;

    /// <summary>Free blocks kept for reuse (4 MB); a block returned beyond that is dropped.</summary>
    public const int MaxFreeBlocks = 64;

    private readonly ConcurrentQueue<Block> _free = new();
    private int _freeCount;
    private long _rents;

    public override int MaxBufferSize => BlockBytes;

    /// <summary>Blocks now free in the pool (tests).</summary>
    internal int FreeCount => Volatile.Read(ref _freeCount);

    /// <summary>Blocks rented so far (tests).</summary>
    internal long Rents => Interlocked.Read(ref _rents);

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockBytes);
        Interlocked.Increment(ref _rents);
        if (_free.TryDequeue(out Block? block))
        {
            Interlocked.Decrement(ref _freeCount);
            block.Rented = true;
            return block;
        }

        return new Block(this);
    }

    private void Return(Block block)
    {
        if (Interlocked.Increment(ref _freeCount) > MaxFreeBlocks)
        {
            Interlocked.Decrement(ref _freeCount);
            return;
        }

        _free.Enqueue(block);
    }

    protected override void Dispose(bool disposing)
    {
        _free.Clear();
        Volatile.Write(ref _freeCount, 0);
    }

    private sealed class Block(LargeBlockMemoryPool pool) : IMemoryOwner<byte>
    {
        private readonly byte[] _bytes = GC.AllocateUninitializedArray<byte>(BlockBytes, pinned: true);

        public bool Rented { get; set; } = true;

        public Memory<byte> Memory => Rented ? _bytes : throw new ObjectDisposedException(nameof(Block));

        public void Dispose()
        {
            if (Rented)
            {
                Rented = false;
                pool.Return(this);
            }
        }
    }

    /// <summary>What Kestrel and its socket transport create their pools with (a service of the web host).</summary>
    internal sealed class Factory : IMemoryPoolFactory<byte>
    {
        private readonly ConcurrentQueue<LargeBlockMemoryPool> _created = new();

        /// <summary>The pools this factory made (tests).</summary>
        internal IEnumerable<LargeBlockMemoryPool> Created => _created;

        public MemoryPool<byte> Create(MemoryPoolOptions? options = null)
        {
            var pool = new LargeBlockMemoryPool();
            _created.Enqueue(pool);
            return pool;
        }
    }
}
