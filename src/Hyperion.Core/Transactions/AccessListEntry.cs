using Hyperion.Core.Rlp;
using RlpCodec = Hyperion.Core.Rlp.Rlp;

namespace Hyperion.Core.Transactions;

/// <summary>One EIP-2930 access list entry: an address and the storage keys to pre-warm.</summary>
public sealed class AccessListEntry : IEquatable<AccessListEntry>
{
    public AccessListEntry(Address address, Hash256[] storageKeys)
    {
        ArgumentNullException.ThrowIfNull(storageKeys);
        Address = address;
        StorageKeys = storageKeys;
    }

    public Address Address { get; }

    public Hash256[] StorageKeys { get; }

    public bool Equals(AccessListEntry? other) =>
        other is not null && Address == other.Address && StorageKeys.AsSpan().SequenceEqual(other.StorageKeys);

    public override bool Equals(object? obj) => Equals(obj as AccessListEntry);

    public override int GetHashCode() => HashCode.Combine(Address, StorageKeys.Length);

    /// <summary>Content length of the RLP list of entries (without the list's own header).</summary>
    internal static int ContentLength(AccessListEntry[] entries)
    {
        int total = 0;
        foreach (AccessListEntry entry in entries)
        {
            total += RlpCodec.LengthOfList(entry.EntryContentLength);
        }

        return total;
    }

    internal static void Write(ref RlpWriter writer, AccessListEntry[] entries)
    {
        writer.WriteListHeader(ContentLength(entries));
        foreach (AccessListEntry entry in entries)
        {
            writer.WriteListHeader(entry.EntryContentLength);
            writer.WriteAddress(entry.Address);
            writer.WriteListHeader(entry.StorageKeys.Length * (1 + Hash256.Size));
            foreach (Hash256 key in entry.StorageKeys)
            {
                writer.WriteHash(key);
            }
        }
    }

    internal static AccessListEntry[] Read(ref RlpReader reader)
    {
        RlpReader list = reader.EnterList();
        if (list.IsEmpty)
        {
            return [];
        }

        var entries = new List<AccessListEntry>();
        while (!list.IsEmpty)
        {
            RlpReader entry = list.EnterList();
            Address address = entry.ReadAddress();
            RlpReader keys = entry.EnterList();
            var storageKeys = new Hash256[CountFixedItems(keys, Hash256.Size)];
            for (int i = 0; i < storageKeys.Length; i++)
            {
                storageKeys[i] = keys.ReadHash();
            }

            keys.EnsureEnd();
            entry.EnsureEnd();
            entries.Add(new AccessListEntry(address, storageKeys));
        }

        return [.. entries];
    }

    /// <summary>Item count of a list of fixed-size strings, for sizing the array; the reads that follow validate each item.</summary>
    internal static int CountFixedItems(RlpReader list, int itemSize) => list.Remaining / (1 + itemSize);

    private int EntryContentLength => Address.Size + 1 + RlpCodec.LengthOfList(StorageKeys.Length * (1 + Hash256.Size));
}
