using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.State;

namespace Hyperion.MetisDb;

/// <summary>
/// Bounded in-memory layer over the newest version of recently read or written accounts and slots. An entry is the
/// newest version overall, written at <c>FromBlock</c>, so it answers any snapshot at or after that block; older
/// snapshots go to LMDB. Readers may only insert what they read at the current head, and the writer replaces the
/// entries of everything it commits before it publishes the new head (both under one lock), so no entry is stale.
/// Also memoizes what never goes stale: Keccak-256 of addresses and slot keys, and code by hash.
/// </summary>
internal sealed class MetisHotCache
{
    /// <summary>
    /// An account's newest version (immutable: readers hold it without a lock). An account without storage or code (an
    /// EOA, most of what a block writes) keeps only its nonce and balance; <see cref="WithStorageOrCode"/> adds the two
    /// hashes. (Issue 14: a commit makes one entry per changed account, 144 bytes each before, 80 now for an EOA.)
    /// </summary>
    internal class AccountEntry
    {
        /// <summary>No version at or before the block read.</summary>
        public static readonly AccountEntry Missing = new(0, false, 0, default, 0);

        private readonly ulong _nonce;
        private readonly UInt256 _balance;

        private AccountEntry(ulong fromBlock, bool exists, ulong nonce, in UInt256 balance, ulong incarnation)
        {
            FromBlock = fromBlock;
            Exists = exists;
            _nonce = nonce;
            _balance = balance;
            Incarnation = incarnation;
        }

        /// <summary>The entry of <paramref name="account"/> (ignored unless <paramref name="exists"/>) written at <paramref name="fromBlock"/>.</summary>
        public static AccountEntry For(ulong fromBlock, bool exists, in Account account, ulong incarnation) =>
            !exists ? new AccountEntry(fromBlock, false, 0, default, incarnation)
            : account.StorageRoot == Keccak256.EmptyTrieRoot && account.CodeHash == Keccak256.OfEmpty
                ? new AccountEntry(fromBlock, true, account.Nonce, account.Balance, incarnation)
                : new WithStorageOrCode(fromBlock, account, incarnation);

        public ulong FromBlock { get; }

        public bool Exists { get; }

        public ulong Incarnation { get; }

        /// <summary>The account (default when it does not exist).</summary>
        public virtual Account Account => Exists ? new Account(_nonce, _balance, Keccak256.EmptyTrieRoot, Keccak256.OfEmpty) : default;

        private sealed class WithStorageOrCode(ulong fromBlock, in Account account, ulong incarnation)
            : AccountEntry(fromBlock, true, account.Nonce, account.Balance, incarnation)
        {
            private readonly Hash256 _storageRoot = account.StorageRoot;
            private readonly Hash256 _codeHash = account.CodeHash;

            public override Account Account => new(_nonce, _balance, _storageRoot, _codeHash);
        }
    }

    internal sealed record SlotEntry(ulong FromBlock, UInt256 Value);

    internal readonly record struct SlotKey(Hash256 AddressHash, ulong Incarnation, Hash256 SlotHash);

    private const int MaxCodeEntries = 1024;

    private readonly ConcurrentDictionary<Hash256, AccountEntry> _accounts = new();
    private readonly ConcurrentDictionary<SlotKey, SlotEntry> _slots = new();
    // Keccak-256 of a 32-byte key costs ~0.5 µs, far more than a cached read.
    private readonly ConcurrentDictionary<Address, Hash256> _addressHashes = new();
    private readonly ConcurrentDictionary<UInt256, Hash256> _slotHashes = new();
    private readonly ConcurrentDictionary<Hash256, byte[]> _code = new();
    private readonly int _capacity;
    private int _entries;
    private int _hashEntries;
    private int _codeEntries;

    public MetisHotCache(int capacity) => _capacity = capacity;

    public object Lock { get; } = new();

    public bool TryGetAccount(in Hash256 addressHash, ulong block, [NotNullWhen(true)] out AccountEntry? entry) =>
        _accounts.TryGetValue(addressHash, out entry) && entry.FromBlock <= block;

    public bool TryGetSlot(in SlotKey key, ulong block, [NotNullWhen(true)] out SlotEntry? entry) =>
        _slots.TryGetValue(key, out entry) && entry.FromBlock <= block;

    /// <summary>Caller holds <see cref="Lock"/>.</summary>
    public void PutAccount(in Hash256 addressHash, AccountEntry entry) => Put(_accounts, addressHash, entry);

    /// <summary>Caller holds <see cref="Lock"/>.</summary>
    public void PutSlot(in SlotKey key, SlotEntry entry) => Put(_slots, key, entry);

    public Hash256 AddressHash(in Address address)
    {
        if (_addressHashes.TryGetValue(address, out Hash256 hash))
        {
            return hash;
        }

        hash = Keccak256.Hash(address.Bytes);
        Remember(_addressHashes, address, hash);
        return hash;
    }

    public Hash256 SlotHash(in UInt256 key)
    {
        if (_slotHashes.TryGetValue(key, out Hash256 hash))
        {
            return hash;
        }

        hash = MetisBlockChanges.SlotHash(key);
        Remember(_slotHashes, key, hash);
        return hash;
    }

    public bool TryGetCode(in Hash256 codeHash, [NotNullWhen(true)] out byte[]? code) => _code.TryGetValue(codeHash, out code);

    public void PutCode(in Hash256 codeHash, byte[] code)
    {
        if (_capacity > 0 && _code.TryAdd(codeHash, code) && Interlocked.Increment(ref _codeEntries) >= MaxCodeEntries)
        {
            _code.Clear();
            Volatile.Write(ref _codeEntries, 0);
        }
    }

    private void Remember<TKey>(ConcurrentDictionary<TKey, Hash256> map, TKey key, Hash256 hash)
        where TKey : notnull
    {
        if (_capacity > 0 && map.TryAdd(key, hash) && Interlocked.Increment(ref _hashEntries) >= _capacity)
        {
            // A hash never goes stale, so emptying from any thread is safe (the count is approximate under races).
            _addressHashes.Clear();
            _slotHashes.Clear();
            Volatile.Write(ref _hashEntries, 0);
        }
    }

    private void Put<TKey, TEntry>(ConcurrentDictionary<TKey, TEntry> map, TKey key, TEntry entry)
        where TKey : notnull
    {
        if (_capacity == 0)
        {
            return;
        }

        // An entry the cache holds is replaced in place (the lock-free lookup first: TryAdd would take the bucket's lock
        // just to find it there); a reader may add the key in between, hence the fallback.
        if (map.ContainsKey(key) || !map.TryAdd(key, entry))
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
