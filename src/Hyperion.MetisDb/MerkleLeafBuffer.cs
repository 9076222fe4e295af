namespace Hyperion.MetisDb;

/// <summary>
/// Sorted trie leaves (32-byte key, RLP-ready value) packed into two growable arrays that a thread reuses from one
/// subtree to the next, so collecting and hashing leaves allocates nothing per leaf.
/// </summary>
internal sealed class MerkleLeafBuffer
{
    [ThreadStatic]
    private static MerkleLeafBuffer? t_spare;

    private byte[] _keys = new byte[32 * 64];
    private byte[] _values = new byte[128 * 64];
    private int[] _valueEnds = new int[64];
    private int _valueLength;

    public int Count { get; private set; }

    /// <summary>This thread's spare buffer, emptied (a new one when it is in use).</summary>
    public static MerkleLeafBuffer Rent()
    {
        MerkleLeafBuffer buffer = t_spare ?? new MerkleLeafBuffer();
        t_spare = null;
        buffer.Clear();
        return buffer;
    }

    /// <summary>Keeps <paramref name="buffer"/> as this thread's spare, unless it grew past what a subtree needs (a huge storage trie).</summary>
    public static void Return(MerkleLeafBuffer buffer)
    {
        if (buffer._valueEnds.Length <= MaxKeptLeaves)
        {
            t_spare = buffer;
        }
    }

    private const int MaxKeptLeaves = 1 << 14;

    public void Clear()
    {
        Count = 0;
        _valueLength = 0;
    }

    public ReadOnlySpan<byte> Key(int index) => _keys.AsSpan(32 * index, 32);

    public ReadOnlySpan<byte> Value(int index)
    {
        int start = index == 0 ? 0 : _valueEnds[index - 1];
        return _values.AsSpan(start, _valueEnds[index] - start);
    }

    public void Add(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        value.CopyTo(BeginAdd(key, value.Length));
        EndAdd(value.Length);
    }

    /// <summary>Appends a leaf with key <paramref name="key"/>; its value (at most <paramref name="maxValueLength"/> bytes) is written into the span returned, then <see cref="EndAdd"/> says how long it is.</summary>
    public Span<byte> BeginAdd(ReadOnlySpan<byte> key, int maxValueLength)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException("A trie leaf key is 32 bytes.", nameof(key));
        }

        if (Count == _valueEnds.Length)
        {
            Array.Resize(ref _valueEnds, 2 * Count);
            Array.Resize(ref _keys, 2 * _keys.Length);
        }

        if (_valueLength + maxValueLength > _values.Length)
        {
            Array.Resize(ref _values, Math.Max(2 * _values.Length, _valueLength + maxValueLength));
        }

        key.CopyTo(_keys.AsSpan(32 * Count));
        return _values.AsSpan(_valueLength, maxValueLength);
    }

    public void EndAdd(int valueLength)
    {
        _valueLength += valueLength;
        _valueEnds[Count++] = _valueLength;
    }

    /// <summary>The leaves as separate arrays (for merging an overlay in; not on the commit path).</summary>
    public List<MerkleLeaf> ToList()
    {
        var leaves = new List<MerkleLeaf>(Count);
        for (int i = 0; i < Count; i++)
        {
            leaves.Add(new MerkleLeaf(Key(i).ToArray(), Value(i).ToArray()));
        }

        return leaves;
    }
}
