using System.Buffers.Binary;

namespace Hyperion.State.MetisDb;

/// <summary>
/// An account as MetisDB stores it: nonce, balance (32-byte big-endian), code hash, storage root, plus the storage
/// incarnation (bumped each time the account is destroyed, so older storage becomes unreachable without deleting it).
/// </summary>
public readonly record struct MetisAccount(ulong Nonce, Key32 Balance, Key32 CodeHash, Key32 StorageRoot)
{
    /// <summary>Keccak-256 of the empty string: the code hash of an account without code.</summary>
    public static readonly Key32 EmptyCodeHash = new(Convert.FromHexString("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"));

    /// <summary>Root of the empty trie: the storage root of an account without storage.</summary>
    public static readonly Key32 EmptyStorageRoot = new(Convert.FromHexString("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421"));

    internal const int RecordLength = 1 + 8 + 8 + 32 + 32 + 32;
    internal const int TombstoneLength = 1 + 8;

    internal void Write(Span<byte> record, ulong incarnation)
    {
        record[0] = 1;
        BinaryPrimitives.WriteUInt64BigEndian(record[1..], incarnation);
        BinaryPrimitives.WriteUInt64BigEndian(record[9..], Nonce);
        Balance.CopyTo(record[17..]);
        CodeHash.CopyTo(record[49..]);
        StorageRoot.CopyTo(record[81..]);
    }

    internal static void WriteTombstone(Span<byte> record, ulong incarnation)
    {
        record[0] = 0;
        BinaryPrimitives.WriteUInt64BigEndian(record[1..], incarnation);
    }

    /// <summary>Decodes a stored record; false for a tombstone. Throws on a record of the wrong shape.</summary>
    internal static bool TryRead(ReadOnlySpan<byte> record, out MetisAccount account, out ulong incarnation)
    {
        if (record.Length == TombstoneLength && record[0] == 0)
        {
            incarnation = BinaryPrimitives.ReadUInt64BigEndian(record[1..]);
            account = default;
            return false;
        }

        if (record.Length != RecordLength || record[0] != 1)
        {
            throw new InvalidDataException($"MetisDB: corrupt account record ({record.Length} bytes).");
        }

        incarnation = BinaryPrimitives.ReadUInt64BigEndian(record[1..]);
        account = new MetisAccount(
            BinaryPrimitives.ReadUInt64BigEndian(record[9..]),
            new Key32(record.Slice(17, 32)),
            new Key32(record.Slice(49, 32)),
            new Key32(record.Slice(81, 32)));
        return true;
    }

    /// <summary>The account trie leaf value: RLP([nonce, balance, storageRoot, codeHash]).</summary>
    internal byte[] EncodeTrieValue()
    {
        Span<byte> nonce = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(nonce, Nonce);
        Span<byte> balance = stackalloc byte[32];
        Balance.CopyTo(balance);
        Span<byte> storageRoot = stackalloc byte[32];
        StorageRoot.CopyTo(storageRoot);
        Span<byte> codeHash = stackalloc byte[32];
        CodeHash.CopyTo(codeHash);
        ReadOnlySpan<byte> nonceTrimmed = TrieNodeRlp.TrimLeadingZeros(nonce);
        ReadOnlySpan<byte> balanceTrimmed = TrieNodeRlp.TrimLeadingZeros(balance);
        int payload = TrieNodeRlp.StringLength(nonceTrimmed) + TrieNodeRlp.StringLength(balanceTrimmed) + 33 + 33;
        var rlp = new byte[TrieNodeRlp.HeaderLength(payload) + payload];
        int offset = TrieNodeRlp.WriteListHeader(rlp, payload);
        offset += TrieNodeRlp.WriteString(rlp.AsSpan(offset), nonceTrimmed);
        offset += TrieNodeRlp.WriteString(rlp.AsSpan(offset), balanceTrimmed);
        offset += TrieNodeRlp.WriteString(rlp.AsSpan(offset), storageRoot);
        TrieNodeRlp.WriteString(rlp.AsSpan(offset), codeHash);
        return rlp;
    }
}
