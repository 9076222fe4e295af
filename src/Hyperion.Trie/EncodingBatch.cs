namespace Hyperion.Trie;

/// <summary>
/// Nodes' encodings gathered to be hashed by one <see cref="Hyperion.Core.Crypto.Keccak256Batch"/> call: up to
/// <see cref="MaxCount"/> (8 lanes' worth of refills) and <see cref="MaxBytes"/> of encodings (a longer one alone).
/// </summary>
internal ref struct EncodingBatch
{
    public const int MaxCount = 64;

    private const int MaxBytes = 32 * 1024;

    private readonly Span<int> _members;
    private readonly Span<int> _lengths;

    /// <param name="members">Room for <see cref="MaxCount"/> members (a node's index or reference, the caller's).</param>
    /// <param name="lengths">Room for their encodings' lengths.</param>
    public EncodingBatch(Span<int> members, Span<int> lengths)
    {
        _members = members;
        _lengths = lengths;
    }

    public int Count { get; private set; }

    /// <summary>The bytes of the members' encodings.</summary>
    public int Bytes { get; private set; }

    public readonly ReadOnlySpan<int> Members => _members[..Count];

    public readonly ReadOnlySpan<int> Lengths => _lengths[..Count];

    /// <summary>Adds a member whose encoding is <paramref name="length"/> bytes; false (nothing added) when the batch is full.</summary>
    public bool TryAdd(int member, int length)
    {
        if (Count == MaxCount || (Count > 0 && Bytes + length > MaxBytes))
        {
            return false;
        }

        _members[Count] = member;
        _lengths[Count] = length;
        Bytes += length;
        Count++;
        return true;
    }

    public void Clear()
    {
        Count = 0;
        Bytes = 0;
    }
}
