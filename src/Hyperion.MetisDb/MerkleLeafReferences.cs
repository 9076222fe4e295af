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

    /// <summary>Bytes held per leaf (for the memory bound): key, hash, depth, and at most 16 of the kept group references.</summary>
    public const int BytesPerLeaf = 81;

    /// <summary>The nibble at which the subtree's top branch sits (its keys' common prefix, fixed by the key set); -1 before the first build.</summary>
    public int BranchDepth { get; private set; } = -1;

    // The top branch's children of two or more leaves ("groups"; a child of one leaf is its kept leaf hash): each group's
    // reference in a 33-byte slot (length, bytes), in nibble order, and which groups a changed leaf made stale. A
    // rebuild then hashes the top branch and the stale groups only, not every branch below it (issue 14: at 1M
    // accounts a touched subtree has ~15 leaves in ~4 groups, and one changed leaf makes one group stale).
    private byte[] _groups = [];
    private int _groupMask;
    private int _staleGroups;

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

    /// <summary>Notes that leaf <paramref name="index"/>'s hash changed: the group holding it is rehashed at the next build.</summary>
    public void MarkChanged(int index)
    {
        if (BranchDepth >= 0)
        {
            _staleGroups |= 1 << MerkleNode.Nibble(Key(index), BranchDepth);
        }
    }

    /// <summary>Sets up the group slots of the top branch at <paramref name="branchDepth"/> (once: the key set is fixed), all stale.</summary>
    public void PrepareGroups(int branchDepth)
    {
        if (BranchDepth == branchDepth)
        {
            return;
        }

        Span<int> perNibble = stackalloc int[16];
        for (int i = 0; i < Count; i++)
        {
            perNibble[MerkleNode.Nibble(Key(i), branchDepth)]++;
        }

        _groupMask = 0;
        for (int nibble = 0; nibble < 16; nibble++)
        {
            _groupMask |= perNibble[nibble] >= 2 ? 1 << nibble : 0;
        }

        _groups = new byte[33 * System.Numerics.BitOperations.PopCount((uint)_groupMask)];
        _staleGroups = 0xffff;
        BranchDepth = branchDepth;
    }

    /// <summary>Whether the group under <paramref name="nibble"/> must be rehashed (it changed, or was never hashed).</summary>
    public bool IsGroupStale(int nibble) => (_staleGroups >> nibble & 1) != 0;

    /// <summary>The 33-byte slot (length, reference) of the group under <paramref name="nibble"/>.</summary>
    public Span<byte> GroupSlot(int nibble) =>
        _groups.AsSpan(33 * System.Numerics.BitOperations.PopCount((uint)(_groupMask & ((1 << nibble) - 1))), 33);

    /// <summary>After a build: every group's slot holds its current reference.</summary>
    public void ClearStaleGroups() => _staleGroups = 0;

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
