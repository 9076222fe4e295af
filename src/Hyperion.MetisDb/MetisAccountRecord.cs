using System.Buffers.Binary;
using Hyperion.Core;
using Hyperion.Core.Rlp;
using Hyperion.State;

namespace Hyperion.MetisDb;

/// <summary>
/// How the <c>accounts</c> table stores an account: <c>1 ‖ incarnation(8) ‖ nonce(8) ‖ balance(32) ‖ codeHash(32) ‖
/// storageRoot(32)</c>, or the tombstone <c>0 ‖ incarnation(8)</c>. The incarnation is bumped each time the account is
/// destroyed, so its older storage becomes unreachable without being deleted.
/// </summary>
internal static class MetisAccountRecord
{
    public const int Length = 1 + 8 + 8 + 32 + 32 + 32;
    public const int TombstoneLength = 1 + 8;

    public static void Write(Span<byte> record, in Account account, ulong incarnation)
    {
        record[0] = 1;
        BinaryPrimitives.WriteUInt64BigEndian(record[1..], incarnation);
        BinaryPrimitives.WriteUInt64BigEndian(record[9..], account.Nonce);
        account.Balance.WriteBigEndian(record.Slice(17, 32));
        account.CodeHash.CopyTo(record[49..]);
        account.StorageRoot.CopyTo(record[81..]);
    }

    public static void WriteTombstone(Span<byte> record, ulong incarnation)
    {
        record[0] = 0;
        BinaryPrimitives.WriteUInt64BigEndian(record[1..], incarnation);
    }

    /// <summary>Decodes a stored record; false for a tombstone. Throws on a record of the wrong shape.</summary>
    public static bool TryRead(ReadOnlySpan<byte> record, out Account account, out ulong incarnation)
    {
        if (record.Length == TombstoneLength && record[0] == 0)
        {
            incarnation = BinaryPrimitives.ReadUInt64BigEndian(record[1..]);
            account = default;
            return false;
        }

        if (record.Length != Length || record[0] != 1)
        {
            throw new InvalidDataException($"MetisDB: corrupt account record ({record.Length} bytes).");
        }

        incarnation = BinaryPrimitives.ReadUInt64BigEndian(record[1..]);
        account = new Account(
            BinaryPrimitives.ReadUInt64BigEndian(record[9..]),
            UInt256.FromBigEndian(record.Slice(17, 32)),
            new Hash256(record.Slice(81, 32)),
            new Hash256(record.Slice(49, 32)));
        return true;
    }

    /// <summary>The storage-trie leaf of a slot: the RLP string of its big-endian value without leading zeros.</summary>
    public static byte[] EncodeSlotValue(ReadOnlySpan<byte> trimmedValue) => Rlp.EncodeBytes(trimmedValue);

    /// <summary>The longest slot leaf: a 32-byte value with its string header.</summary>
    public const int MaxSlotValueLength = 33;

    /// <summary>As <see cref="EncodeSlotValue"/>, into <paramref name="destination"/>; returns the length written.</summary>
    public static int WriteSlotValue(ReadOnlySpan<byte> trimmedValue, Span<byte> destination)
    {
        if (trimmedValue.Length > 32)
        {
            throw new InvalidDataException($"MetisDB: corrupt storage value ({trimmedValue.Length} bytes).");
        }

        var writer = new RlpWriter(destination);
        writer.WriteBytes(trimmedValue);
        return writer.Position;
    }
}
