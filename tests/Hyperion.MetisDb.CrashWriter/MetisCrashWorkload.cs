using System.Buffers.Binary;
using Hyperion.Core;
using Hyperion.Core.Crypto;

namespace Hyperion.MetisDb.CrashWriter;

/// <summary>
/// A deterministic block stream for crash testing: block N's changes depend only on N, so after a kill anyone can
/// replay blocks 0..head and know exactly what the store must contain. Touches a pool of accounts with balance and
/// storage updates, slot deletions, and account destruction (with and without recreation).
/// </summary>
public static class MetisCrashWorkload
{
    public const int AccountPool = 4096;

    public static Hash256 AddressHash(int index)
    {
        Span<byte> seed = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(seed, index);
        return Keccak256.Hash(seed);
    }

    public static MetisBlockChanges Block(ulong number)
    {
        var random = new Random(unchecked((int)number * 7919 + 17));
        var changes = new MetisBlockChanges();
        int touched = 50 + random.Next(150);
        for (int i = 0; i < touched; i++)
        {
            Hash256 address = AddressHash(random.Next(AccountPool));
            int action = random.Next(20);
            if (action == 0)
            {
                changes.DeleteAccountByHash(address);
                continue;
            }

            if (action == 1)
            {
                changes.DeleteAccountByHash(address);
            }

            changes.SetAccountByHash(address, number, number * 1000 + (ulong)i, Keccak256.OfEmpty);
            for (int s = random.Next(4); s > 0; s--)
            {
                Hash256 slot = MetisBlockChanges.SlotHash((ulong)random.Next(32));
                changes.SetStorageByHash(address, slot, random.Next(5) > 0 ? number + 1 : UInt256.Zero);
            }
        }

        return changes;
    }

    /// <summary>Commits blocks head+1, head+2, ... until <paramref name="lastBlock"/> (or forever); returns the head.</summary>
    public static ulong RunWriter(string directory, ulong lastBlock, TextWriter? progress)
    {
        using MetisStore store = MetisStore.Open(directory, new MetisStoreOptions { HotCacheCapacity = 0 });
        ulong next = store.Head is { } head ? head + 1 : 0;
        for (; next <= lastBlock; next++)
        {
            store.Commit(next, Block(next));
            progress?.WriteLine(next);
            if (next % 64 == 0)
            {
                store.Prune(128);
            }
        }

        return store.Head ?? 0;
    }
}
