using System.Buffers;

namespace Hyperion.Execution.Parallel;

/// <summary>
/// One worker's append-only storage, for one block, of the lists its incarnations produce (reads, writes, changed
/// addresses): an incarnation appends to an open segment, and its record takes the segment as it is, with no copy and
/// no allocation per incarnation. A taken segment is never written again until the block ends, so validators may read
/// it while the position runs again; the chunks are pooled and go back to the pool with <see cref="Return"/>.
/// </summary>
/// <remarks>Before, each record held an exact-size copy of the reader's list and of the write buffer: two arrays per
/// incarnation, most of what survived to the block's end and had to be traced by the garbage collector.</remarks>
internal sealed class SegmentArena<T>
    where T : unmanaged
{
    /// <summary>Items per chunk (a chunk holds the lists of a few hundred token transfers).</summary>
    private const int ChunkLength = 2048;

    private readonly List<T[]> _rented = [];
    private T[] _chunk = [];
    private int _start;
    private int _count;

    /// <summary>The open segment: what was appended since the last <see cref="Take"/> or <see cref="Discard"/>.</summary>
    public ReadOnlySpan<T> Open => _chunk.AsSpan(_start, _count);

    public void Add(in T item)
    {
        if (_start + _count == _chunk.Length)
        {
            NewChunk();
        }

        _chunk[_start + _count] = item;
        _count++;
    }

    /// <summary>The open segment, closed: later appends start a new one.</summary>
    public ArraySegment<T> Take()
    {
        if (_count == 0)
        {
            return ArraySegment<T>.Empty;
        }

        var segment = new ArraySegment<T>(_chunk, _start, _count);
        _start += _count;
        _count = 0;
        return segment;
    }

    /// <summary>Drops the open segment (an incarnation that is not recorded); its room is used again.</summary>
    public void Discard() => _count = 0;

    /// <summary>Gives the chunks back to the pool: no segment taken from this arena may be read afterwards.</summary>
    public void Return()
    {
        foreach (T[] chunk in _rented)
        {
            ArrayPool<T>.Shared.Return(chunk);
        }

        _rented.Clear();
        _chunk = [];
        _start = 0;
        _count = 0;
    }

    /// <summary>Moves the open segment to a new chunk with room for it to grow.</summary>
    private void NewChunk()
    {
        T[] chunk = ArrayPool<T>.Shared.Rent(Math.Max(ChunkLength, 2 * _count));
        _rented.Add(chunk);
        Open.CopyTo(chunk);
        _chunk = chunk;
        _start = 0;
    }
}
