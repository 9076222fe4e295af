namespace Hyperion.MetisDb;

/// <summary>
/// The leaves of one cached-depth subtree of the account trie as they sit now: sorted keys, the hash of each leaf node
/// and the nibble where its path starts. With it a touched subtree is rehashed from the stored leaf hashes (one Keccak
/// per changed leaf plus the branches above them) instead of rescanning and rehashing every leaf. Valid only while the
/// subtree's key set is unchanged: an inserted or removed key drops it (the next rebuild is a scan that captures it again).
/// </summary>
internal sealed class MerkleLeafReferences
{
    private MerkleLeafReferences(int count)
    {
        Count = count;
        Keys = new byte[32 * count];
        Hashes = new byte[32 * count];
        Depths = new byte[count];
    }

    public int Count { get; }

    /// <summary>32-byte keys, sorted.</summary>
    public byte[] Keys { get; }

    /// <summary>32-byte Keccak of each leaf node (an account leaf's RLP is always longer than 32 bytes, so never embedded).</summary>
    public byte[] Hashes { get; }

    /// <summary>The nibble at which each leaf node's path starts (fixed by the key set).</summary>
    public byte[] Depths { get; }

    /// <summary>Bytes held per leaf (for the memory bound).</summary>
    public const int BytesPerLeaf = 65;

    /// <summary>An empty record for <paramref name="leaves"/>'s keys, whose hashes and depths the next build fills in.</summary>
    public static MerkleLeafReferences For(MerkleLeafBuffer leaves)
    {
        var references = new MerkleLeafReferences(leaves.Count);
        for (int i = 0; i < leaves.Count; i++)
        {
            leaves.Key(i).CopyTo(references.Keys.AsSpan(32 * i));
        }

        return references;
    }

    public ReadOnlySpan<byte> Key(int index) => Keys.AsSpan(32 * index, 32);

    /// <summary>The index of <paramref name="key"/>, or -1.</summary>
    public int IndexOf(ReadOnlySpan<byte> key)
    {
        int low = 0;
        int high = Count - 1;
        while (low <= high)
        {
            int middle = (low + high) >>> 1;
            int order = Key(middle).SequenceCompareTo(key);
            if (order == 0)
            {
                return middle;
            }

            if (order < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return -1;
    }
}
