using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;

namespace Hyperion.Execution.Parallel;

/// <summary>
/// A concurrent map whose entries are only ever added, never replaced or removed: a lookup and an add take no lock
/// (an add pushes a node onto its bucket's chain with one compare-and-swap). The multi-version memory adds a location
/// on its first write and keeps it for the block; a <c>ConcurrentDictionary</c> took one of its monitors on every
/// add, and that monitor's slow path was a large share of recording a transaction's writes, even with one worker.
/// </summary>
/// <remarks>
/// The number of buckets is fixed at construction (sized for the block, so chains stay short); a map that gets far
/// more entries than it was sized for still works, with longer chains. The buckets are rented from the shared pool
/// and go back with <see cref="Return"/>: a block's buckets are large objects (a megabyte for a 100M-gas block), and
/// allocating them anew made every third block of a benchmark trigger a background gen-2 collection. A returned map
/// can be opened again (<see cref="Reopen"/>): its nodes are then taken from those it used before (see
/// <see cref="ObjectArena{T}"/>).
/// </remarks>
internal sealed class InsertOnlyMap<TKey, TValue>
    where TKey : IEquatable<TKey>
    where TValue : class
{
    private Node?[] _buckets = [];
    private int _shift;
    private readonly ObjectArena<Node> _nodes;

    /// <param name="capacity">The entries expected (the buckets are twice as many, a power of two).</param>
    /// <param name="pooledNodes">The most nodes kept for a <see cref="Reopen"/> after <see cref="Return"/>.</param>
    public InsertOnlyMap(int capacity, int pooledNodes = 0)
    {
        _nodes = new ObjectArena<Node>(pooledNodes);
        Reopen(capacity);
    }

    /// <summary>Opens a returned map again, empty, for <paramref name="capacity"/> entries (see the constructor).</summary>
    public void Reopen(int capacity)
    {
        if (_buckets.Length > 0)
        {
            throw new InvalidOperationException("the map is open");
        }

        int buckets = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(capacity, 8, 1 << 29) * 2);

        // The pool's arrays come in powers of two, but its contract is only "at least": the shift follows the length.
        // Empty: only this class rents arrays of its private node type, and it returns them cleared.
        _buckets = ArrayPool<Node?>.Shared.Rent(buckets);
        _shift = 32 - BitOperations.Log2((uint)_buckets.Length);
    }

    public bool TryGetValue(in TKey key, [MaybeNullWhen(false)] out TValue value) => TryGetValue(key, key.GetHashCode(), out value);

    /// <summary>
    /// As <see cref="TryGetValue(in TKey, out TValue)"/>, with the key's hash code already taken (a lookup that may be
    /// followed by <see cref="GetOrAdd(in TKey, int, TValue)"/> hashes the key once for both).
    /// </summary>
    public bool TryGetValue(in TKey key, int hash, [MaybeNullWhen(false)] out TValue value)
    {
        for (Node? node = Volatile.Read(ref _buckets[Bucket(hash)]); node is not null; node = node.Next)
        {
            if (node.Hash == hash && node.Key.Equals(key))
            {
                value = node.Value;
                return true;
            }
        }

        value = null;
        return false;
    }

    /// <summary>The value of <paramref name="key"/>: the one already there, or else <paramref name="value"/>, added.</summary>
    public TValue GetOrAdd(in TKey key, TValue value) => GetOrAdd(key, key.GetHashCode(), value);

    /// <summary>As <see cref="GetOrAdd(in TKey, TValue)"/>, with the key's hash code already taken (<paramref name="hash"/>: <c>key.GetHashCode()</c>).</summary>
    public TValue GetOrAdd(in TKey key, int hash, TValue value)
    {
        ref Node? bucket = ref _buckets[Bucket(hash)];
        Node? added = null;
        Node? head = Volatile.Read(ref bucket);
        Node? searchedTo = null;
        while (true)
        {
            // Only the nodes pushed since the last look can hold the key now.
            for (Node? node = head; node != searchedTo; node = node!.Next)
            {
                if (node!.Hash == hash && node.Key.Equals(key))
                {
                    return node.Value;
                }
            }

            if (added is null)
            {
                added = _nodes.Take();
                added.Hash = hash;
                added.Key = key;
                added.Value = value;
            }

            added.Next = head;
            Node? seen = Interlocked.CompareExchange(ref bucket, added, head);
            if (seen == head)
            {
                return value;
            }

            searchedTo = head;
            head = seen;
        }
    }

    /// <summary>
    /// Gives the buckets back to the pool, emptied: only once nothing uses the map any more (a lookup afterwards
    /// fails). A map that is never returned is simply collected. Its nodes are kept for a <see cref="Reopen"/>.
    /// </summary>
    public void Return()
    {
        Node?[] buckets = _buckets;
        _buckets = [];
        if (buckets.Length > 0)
        {
            ArrayPool<Node?>.Shared.Return(buckets, clearArray: true);
        }

        _nodes.Reset();
    }

    // Fibonacci hashing: the high bits of the product, so keys whose hash codes differ only in high bits spread too.
    private int Bucket(int hash) => (int)(((uint)hash * 2654435769u) >> _shift);

    // Fields set before the node is published (the compare-and-swap orders them), never after.
    private sealed class Node
    {
        public int Hash;
        public TKey Key = default!;
        public TValue Value = default!;
        public Node? Next;
    }
}
