using LightningDB;

namespace Hyperion.State.MetisDb;

/// <summary>
/// Computes the account trie root from the flat account table, incrementally: the nodes rooting every nibble prefix
/// of length 0..4 are cached, a block invalidates only the prefixes of the keys it touched, and a depth-4 subtree
/// (one 2-byte key prefix: about N/65,536 accounts) is rebuilt from a short cursor scan. The 16 subtrees under the
/// root are hashed in parallel, each on its own read transaction.
/// </summary>
internal sealed class StateTrieHasher
{
    private const int CachedDepth = 4;
    private readonly MerkleNode?[][] _levels;

    public StateTrieHasher()
    {
        _levels = new MerkleNode?[CachedDepth + 1][];
        for (int depth = 0; depth <= CachedDepth; depth++)
        {
            _levels[depth] = new MerkleNode?[1 << (4 * depth)];
        }
    }

    public void Invalidate(in Key32 addressHash)
    {
        int prefix = addressHash.Prefix16;
        for (int depth = CachedDepth; depth >= 0; depth--)
        {
            _levels[depth][prefix >> (4 * (CachedDepth - depth))] = null;
        }
    }

    public void Reset()
    {
        foreach (MerkleNode?[] level in _levels)
        {
            Array.Clear(level);
        }
    }

    public byte[] ComputeRoot(LightningEnvironment environment, LightningDatabase accounts, ulong version)
    {
        if (_levels[0][0] is { } cached)
        {
            return cached.RootHash();
        }

        var children = new MerkleNode[16];
        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, nibble =>
        {
            if (_levels[1][nibble] is { } node)
            {
                children[nibble] = node;
                return;
            }

            using LightningTransaction transaction = environment.BeginTransaction(TransactionBeginFlags.ReadOnly);
            using LightningCursor cursor = transaction.CreateCursor(accounts);
            children[nibble] = Compute(cursor, version, 1, nibble);
        });

        MerkleNode root = Combine(children);
        _levels[0][0] = root;
        return root.RootHash();
    }

    private MerkleNode Compute(LightningCursor cursor, ulong version, int depth, int prefix)
    {
        if (_levels[depth][prefix] is { } cached)
        {
            return cached;
        }

        MerkleNode node;
        if (depth == CachedDepth)
        {
            node = MerkleNode.Build(CollectAccountLeaves(cursor, version, prefix).ToArray(), CachedDepth);
        }
        else
        {
            var children = new MerkleNode[16];
            for (int nibble = 0; nibble < 16; nibble++)
            {
                children[nibble] = Compute(cursor, version, depth + 1, (prefix << 4) | nibble);
            }

            node = Combine(children);
        }

        _levels[depth][prefix] = node;
        return node;
    }

    private static MerkleNode Combine(MerkleNode[] children)
    {
        int present = 0;
        int only = -1;
        for (int nibble = 0; nibble < 16; nibble++)
        {
            if (children[nibble].Kind != MerkleNodeKind.Empty)
            {
                present++;
                only = nibble;
            }
        }

        if (present == 0)
        {
            return MerkleNode.Empty;
        }

        if (present == 1)
        {
            return children[only].Prepend((byte)only);
        }

        var references = new byte[16][];
        for (int nibble = 0; nibble < 16; nibble++)
        {
            references[nibble] = children[nibble].Reference();
        }

        return MerkleNode.Branch(references);
    }

    /// <summary>Live accounts at <paramref name="version"/> whose hash starts with the 2-byte <paramref name="prefix16"/>.</summary>
    private static List<MerkleLeaf> CollectAccountLeaves(LightningCursor cursor, ulong version, int prefix16)
    {
        var leaves = new List<MerkleLeaf>();
        Span<byte> seek = stackalloc byte[2];
        seek[0] = (byte)(prefix16 >> 8);
        seek[1] = (byte)prefix16;
        MetisVersionedScan.ForEachVisible(cursor, seek, 32, version, (key, record) =>
        {
            if (MetisAccount.TryRead(record, out MetisAccount account, out _))
            {
                leaves.Add(new MerkleLeaf(key[..32].ToArray(), account.EncodeTrieValue()));
            }
        });
        return leaves;
    }
}
