using System.Collections.Concurrent;

namespace Hyperion.State.MetisDb;

/// <summary>
/// Bounded in-memory layer over the newest version of recently read or written accounts and slots. An entry is the
/// newest version overall, written at <c>FromBlock</c>, so it answers any snapshot at or after that block; older
/// snapshots go to LMDB. Readers may only insert what they read at the current head, and the writer replaces the
/// entries of everything it commits before it publishes the new head (both under one lock), so no entry is stale.
/// </summary>
internal sealed class MetisHotCache
{
    internal sealed record AccountEntry(ulong FromBlock, bool Exists, MetisAccount Account, ulong Incarnation);

    internal sealed record SlotEntry(ulong FromBlock, Key32 Value);

    internal readonly record struct SlotKey(Key32 AddressHash, ulong Incarnation, Key32 SlotHash);

    private readonly ConcurrentDictionary<Key32, AccountEntry> _accounts = new();
    private readonly ConcurrentDictionary<SlotKey, SlotEntry> _slots = new();
    private readonly int _capacity;
    private int _entries;

    public MetisHotCache(int capacity) => _capacity = capacity;

    public object Lock { get; } = new();

    public bool TryGetAccount(in Key32 addressHash, ulong block, out AccountEntry entry) =>
        _accounts.TryGetValue(addressHash, out entry!) && entry.FromBlock <= block;

    public bool TryGetSlot(in SlotKey key, ulong block, out SlotEntry entry) =>
        _slots.TryGetValue(key, out entry!) && entry.FromBlock <= block;

    /// <summary>Caller holds <see cref="Lock"/>.</summary>
    public void PutAccount(in Key32 addressHash, AccountEntry entry) => Put(_accounts, addressHash, entry);

    /// <summary>Caller holds <see cref="Lock"/>.</summary>
    public void PutSlot(in SlotKey key, SlotEntry entry) => Put(_slots, key, entry);

    private void Put<TKey, TEntry>(ConcurrentDictionary<TKey, TEntry> map, TKey key, TEntry entry)
        where TKey : notnull
    {
        if (_capacity == 0)
        {
            return;
        }

        if (!map.TryAdd(key, entry))
        {
            map[key] = entry;
            return;
        }

        // Emptying is the simplest bound that keeps every remaining entry exact. (Count on a concurrent map takes
        // every lock, so the size is tracked here; callers hold Lock.)
        if (++_entries >= _capacity)
        {
            _accounts.Clear();
            _slots.Clear();
            _entries = 0;
        }
    }
}
