using System.Buffers.Binary;
using Hyperion.Core;
using Hyperion.Core.IO;

namespace Hyperion.MetisDb;

/// <summary>
/// Checksums on the versioned account and storage entries and the persisted trie nodes: each stored value is followed
/// by CRC-32C of key ‖ value, checked on every read from disk, so a flipped bit in a value (or in the key it sits
/// under) is reported as damage instead of served as state.
/// </summary>
internal static class MetisEntrySeal
{
    public const int Length = 4;

    /// <summary>Stored format: 2 = values carry a checksum (1, implicit: they did not).</summary>
    public const ulong FormatVersion = 2;

    /// <summary>Writes <paramref name="value"/> followed by its checksum into <paramref name="sealedValue"/>; returns the length written.</summary>
    public static int Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, Span<byte> sealedValue)
    {
        value.CopyTo(sealedValue);
        BinaryPrimitives.WriteUInt32LittleEndian(sealedValue[value.Length..], Checksum(key, value));
        return value.Length + Length;
    }

    /// <summary>The value without its checksum.</summary>
    /// <exception cref="InvalidDataException">The checksum does not match: the entry is damaged.</exception>
    public static ReadOnlySpan<byte> Open(ReadOnlySpan<byte> key, ReadOnlySpan<byte> sealedValue)
    {
        if (sealedValue.Length < Length)
        {
            throw Damaged(key, $"it has {sealedValue.Length} bytes, too short to hold its checksum");
        }

        ReadOnlySpan<byte> value = sealedValue[..^Length];
        if (BinaryPrimitives.ReadUInt32LittleEndian(sealedValue[^Length..]) != Checksum(key, value))
        {
            throw Damaged(key, "its checksum does not match its contents");
        }

        return value;
    }

    /// <summary>What an operator can do about damage in the store; every damage report ends with it.</summary>
    public const string Remedy =
        "Restore the data directory from a backup, or delete the state directory to have the node rebuild the state from the block log.";

    internal static uint Checksum(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => Crc32C.Compute(key, value);

    private static InvalidDataException Damaged(ReadOnlySpan<byte> key, string what)
    {
        string entry = key.Length switch
        {
            MetisKeys.AccountKeyLength => $"account entry (address hash {new Hash256(key[..32])}, block {MetisKeys.VersionOf(key)})",
            MetisKeys.StorageKeyLength => $"storage entry (address hash {new Hash256(key[..32])}, slot hash {new Hash256(key.Slice(40, 32))}, block {MetisKeys.VersionOf(key)})",
            StateTrieHasher.NodeKeyLength => $"trie node (depth {key[0]}, key prefix {BinaryPrimitives.ReadInt32BigEndian(key[1..])})",
            _ => $"entry 0x{Convert.ToHexStringLower(key)}",
        };
        return new InvalidDataException($"MetisDB: damaged {entry}: {what}. {Remedy}");
    }
}
