using System.Runtime.CompilerServices;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Core.Rlp;
using Hyperion.Trie;

namespace Hyperion.State.World;

/// <summary>
/// A complete state held in dictionaries (tests, fixtures, the dev chain's in-memory state): accounts, storage and
/// code, with the state root from the secure account and storage tries. Reads may run on several threads at once;
/// <see cref="SetAccount"/>, <see cref="SetStorage"/> and <see cref="Apply"/> must not run concurrently with anything.
/// </summary>
/// <remarks>
/// The tries are kept between root computations and only the accounts and slots written since are updated in them
/// (their nodes cache their hashes), so a block's root costs what the block changed, not the size of the state.
/// </remarks>
public sealed class InMemoryStateReader : IStateReader, IStateEnumerator
{
    private readonly Dictionary<Address, AccountEntry> _accounts = [];
    private readonly Dictionary<Hash256, byte[]> _code = [];
    private readonly object _rootLock = new(); // concurrent readers may compute the root; the writer never runs beside them
    private PatriciaTrie? _accountTrie; // the account trie as of the last root; null: build it from all accounts
    private HashSet<Address> _changedAccounts = []; // written since _accountTrie was brought up to date

    public int AccountCount => _accounts.Count;

    public bool TryGetAccount(in Address address, out Account account)
    {
        if (_accounts.TryGetValue(address, out AccountEntry? entry))
        {
            account = new Account(entry.Nonce, entry.Balance, StorageRoot(entry), entry.CodeHash);
            return true;
        }

        account = default;
        return false;
    }

    public UInt256 GetStorage(in Address address, in UInt256 key) =>
        _accounts.TryGetValue(address, out AccountEntry? entry) && entry.Storage.TryGetValue(key, out UInt256 value)
            ? value
            : UInt256.Zero;

    public byte[] GetCode(in Hash256 codeHash)
    {
        if (codeHash == Keccak256.OfEmpty)
        {
            return [];
        }

        return _code.TryGetValue(codeHash, out byte[]? code)
            ? code
            : throw new KeyNotFoundException($"no code with hash {codeHash}");
    }

    public void ForEachAccount(AccountVisitor visitor)
    {
        ArgumentNullException.ThrowIfNull(visitor);
        foreach ((Address address, AccountEntry entry) in _accounts)
        {
            visitor(Keccak256.Hash(address.Bytes), new Account(entry.Nonce, entry.Balance, StorageRoot(entry), entry.CodeHash));
        }
    }

    public void ForEachSlot(in Address address, SlotVisitor visitor)
    {
        ArgumentNullException.ThrowIfNull(visitor);
        if (!_accounts.TryGetValue(address, out AccountEntry? entry))
        {
            return;
        }

        Span<byte> key = stackalloc byte[32];
        foreach ((UInt256 slot, UInt256 value) in entry.Storage)
        {
            slot.WriteBigEndian(key);
            visitor(Keccak256.Hash(key), value);
        }
    }

    /// <summary>The whole state as a change set on the empty state (how a store that starts empty takes a genesis).</summary>
    public StateChangeSet ToChangeSet()
    {
        Address[] addresses = [.. _accounts.Keys];
        Array.Sort(addresses);
        var changes = new List<AccountChange>(addresses.Length);
        foreach (Address address in addresses)
        {
            AccountEntry entry = _accounts[address];
            List<KeyValuePair<UInt256, UInt256>> storage = [.. entry.Storage];
            storage.Sort(SlotOrder.ByKey);
            changes.Add(new AccountChange(address, Deleted: false, entry.Nonce, entry.Balance, entry.CodeHash, StorageCleared: false, storage));
        }

        List<KeyValuePair<Hash256, byte[]>> code = [.. _code];
        code.Sort(static (a, b) => a.Key.CompareTo(b.Key));
        return new StateChangeSet(changes, code);
    }

    /// <summary>An independent copy (code is shared: it is immutable).</summary>
    public InMemoryStateReader Clone()
    {
        var copy = new InMemoryStateReader();
        foreach ((Hash256 hash, byte[] code) in _code)
        {
            copy._code.Add(hash, code);
        }

        foreach ((Address address, AccountEntry entry) in _accounts)
        {
            var clone = new AccountEntry { Nonce = entry.Nonce, Balance = entry.Balance, CodeHash = entry.CodeHash };
            lock (entry)
            {
                // The trie's nodes are immutable: the copy shares them and diverges by path copying.
                clone.Root = entry.Root;
                clone.StorageTrie = entry.StorageTrie?.Copy();
                clone.ChangedSlots = entry.ChangedSlots is null ? null : [.. entry.ChangedSlots];
            }

            foreach ((UInt256 key, UInt256 value) in entry.Storage)
            {
                clone.Storage.Add(key, value);
            }

            copy._accounts.Add(address, clone);
        }

        lock (_rootLock)
        {
            copy._accountTrie = _accountTrie?.Copy();
            copy._changedAccounts = [.. _changedAccounts];
        }

        return copy;
    }

    /// <summary>Creates or replaces an account (keeping its storage) with the given fields and code.</summary>
    public void SetAccount(in Address address, ulong nonce, in UInt256 balance, byte[] code)
    {
        ArgumentNullException.ThrowIfNull(code);
        Hash256 codeHash = code.Length == 0 ? Keccak256.OfEmpty : Keccak256.Hash(code);
        if (code.Length > 0)
        {
            _code[codeHash] = code;
        }

        AccountEntry entry = GetOrAdd(address);
        entry.Nonce = nonce;
        entry.Balance = balance;
        entry.CodeHash = codeHash;
        _changedAccounts.Add(address);
    }

    /// <summary>Sets a slot of an existing account; zero deletes it.</summary>
    public void SetStorage(in Address address, in UInt256 key, in UInt256 value)
    {
        if (!_accounts.TryGetValue(address, out AccountEntry? entry))
        {
            throw new InvalidOperationException($"account {address} does not exist");
        }

        WriteSlot(entry, key, value);
        _changedAccounts.Add(address);
    }

    /// <summary>Applies a change set built on this state (see <see cref="StateChangeSet"/>).</summary>
    public void Apply(StateChangeSet changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        foreach ((Hash256 hash, byte[] code) in changes.Code)
        {
            _code[hash] = code;
        }

        foreach (AccountChange change in changes.Accounts)
        {
            _changedAccounts.Add(change.Address);
            if (change.Deleted)
            {
                _accounts.Remove(change.Address);
                continue;
            }

            AccountEntry entry = GetOrAdd(change.Address);
            if (change.StorageCleared && entry.Storage.Count > 0)
            {
                entry.Storage.Clear();
                entry.Root = null;
                entry.StorageTrie = null;
                entry.ChangedSlots = null;
            }

            entry.Nonce = change.Nonce;
            entry.Balance = change.Balance;
            entry.CodeHash = change.CodeHash;
            foreach ((UInt256 key, UInt256 value) in change.Storage)
            {
                WriteSlot(entry, key, value);
            }
        }
    }

    /// <summary>The Merkle Patricia root of the state: the secure trie of RLP([nonce, balance, storageRoot, codeHash]).</summary>
    public Hash256 ComputeStateRoot()
    {
        lock (_rootLock)
        {
            if (_accountTrie is null)
            {
                var leaves = new List<KeyValuePair<byte[], byte[]>>(_accounts.Count);
                foreach ((Address address, AccountEntry entry) in _accounts)
                {
                    leaves.Add(new(Keccak256.Hash(address.Bytes).ToArray(), EncodeAccount(entry.Nonce, entry.Balance, StorageRoot(entry), entry.CodeHash)));
                }

                _accountTrie = PatriciaTrie.FromEntries(leaves);
            }
            else
            {
                foreach (Address address in _changedAccounts)
                {
                    if (_accounts.TryGetValue(address, out AccountEntry? entry))
                    {
                        Hash256 path = entry.PathOf(address);
                        _accountTrie.Set(path.Bytes, EncodeAccount(entry.Nonce, entry.Balance, StorageRoot(entry), entry.CodeHash));
                    }
                    else
                    {
                        _accountTrie.Delete(Keccak256.Hash(address.Bytes).Bytes);
                    }
                }
            }

            _changedAccounts.Clear();
            return _accountTrie.RootHash;
        }
    }

    /// <summary>The account leaf of the state trie: RLP([nonce, balance, storageRoot, codeHash]).</summary>
    public static byte[] EncodeAccount(ulong nonce, in UInt256 balance, in Hash256 storageRoot, in Hash256 codeHash) =>
        AccountRlp.Encode(new Account(nonce, balance, storageRoot, codeHash));

    private static Hash256 StorageRoot(AccountEntry entry)
    {
        if (entry.Root is { } root)
        {
            return root.Value;
        }

        lock (entry)
        {
            if (entry.Root is { } computedMeanwhile)
            {
                return computedMeanwhile.Value;
            }

            Span<byte> key = stackalloc byte[32];
            Span<byte> value = stackalloc byte[32];
            if (entry.StorageTrie is null)
            {
                var leaves = new List<KeyValuePair<byte[], byte[]>>(entry.Storage.Count);
                foreach ((UInt256 slot, UInt256 slotValue) in entry.Storage)
                {
                    slot.WriteBigEndian(key);
                    slotValue.WriteBigEndian(value);
                    leaves.Add(new(Keccak256.Hash(key).ToArray(), Rlp.EncodeBytes(value[(32 - slotValue.ByteLength)..])));
                }

                entry.StorageTrie = PatriciaTrie.FromEntries(leaves);
            }
            else if (entry.ChangedSlots is { } changed)
            {
                UpdateStorageTrie(entry, changed);
            }

            entry.ChangedSlots = null;
            Hash256 computed = entry.StorageTrie.RootHash;
            entry.Root = new StrongBox<Hash256>(computed); // a reference write, so lock-free readers never see a torn hash
            return computed;
        }
    }

    /// <summary>Slots whose paths one <see cref="UpdateStorageTrie"/> batch hashes together (32 bytes each, on the stack).</summary>
    private const int SlotPathsPerBatch = 32;

    /// <summary>
    /// Writes <paramref name="changed"/> slots' values into the account's storage trie: their paths (the slots' hashes)
    /// hashed together in vector lanes (<see cref="Keccak256Batch"/>), a block's changed slots of a token being a
    /// dozen or more, each hashed alone before (issue 14: a block's fixed cost).
    /// </summary>
    private static void UpdateStorageTrie(AccountEntry entry, HashSet<UInt256> changed)
    {
        Span<byte> keys = stackalloc byte[SlotPathsPerBatch * 32];
        Span<UInt256> slots = stackalloc UInt256[SlotPathsPerBatch];
        int count = 0;
        foreach (UInt256 slot in changed)
        {
            slot.WriteBigEndian(keys.Slice(count * 32, 32));
            slots[count++] = slot;
            if (count == SlotPathsPerBatch)
            {
                WriteSlots(entry, keys, slots);
                count = 0;
            }
        }

        WriteSlots(entry, keys[..(count * 32)], slots[..count]);
    }

    /// <summary>Writes <paramref name="slots"/> (their 32-byte keys end to end in <paramref name="keys"/>) into the account's storage trie.</summary>
    private static void WriteSlots(AccountEntry entry, ReadOnlySpan<byte> keys, ReadOnlySpan<UInt256> slots)
    {
        if (slots.Length == 0)
        {
            return;
        }

        Span<int> lengths = stackalloc int[SlotPathsPerBatch];
        Span<Hash256> paths = stackalloc Hash256[SlotPathsPerBatch];
        Span<byte> value = stackalloc byte[32];
        lengths.Fill(32);
        Keccak256Batch.Hash(keys, lengths[..slots.Length], paths[..slots.Length]);
        PatriciaTrie trie = entry.StorageTrie!;
        for (int i = 0; i < slots.Length; i++)
        {
            if (entry.Storage.TryGetValue(slots[i], out UInt256 slotValue))
            {
                slotValue.WriteBigEndian(value);
                trie.Set(paths[i].Bytes, Rlp.EncodeBytes(value[(32 - slotValue.ByteLength)..]));
            }
            else
            {
                trie.Delete(paths[i].Bytes);
            }
        }
    }

    private static void WriteSlot(AccountEntry entry, in UInt256 key, in UInt256 value)
    {
        if (value.IsZero)
        {
            entry.Storage.Remove(key);
        }
        else
        {
            entry.Storage[key] = value;
        }

        entry.Root = null;
        if (entry.StorageTrie is not null)
        {
            (entry.ChangedSlots ??= []).Add(key);
        }
    }

    private AccountEntry GetOrAdd(in Address address)
    {
        if (!_accounts.TryGetValue(address, out AccountEntry? entry))
        {
            entry = new AccountEntry();
            _accounts.Add(address, entry);
        }

        return entry;
    }

    private sealed class AccountEntry
    {
        public ulong Nonce;
        public UInt256 Balance;
        public Hash256 CodeHash = Keccak256.OfEmpty;
        public readonly Dictionary<UInt256, UInt256> Storage = [];

        /// <summary>Cached storage root; null when the storage changed since it was computed.</summary>
        public StrongBox<Hash256>? Root;

        /// <summary>The storage trie as of the last computed root; null: build it from all slots.</summary>
        public PatriciaTrie? StorageTrie;

        /// <summary>Slots written since <see cref="StorageTrie"/> was brought up to date.</summary>
        public HashSet<UInt256>? ChangedSlots;

        private Hash256 _path;
        private bool _hasPath;

        /// <summary>The account's path in the account trie (its address's hash), hashed once for the entry's life, not at every block that changes it.</summary>
        public Hash256 PathOf(in Address address)
        {
            if (!_hasPath)
            {
                _path = Keccak256.Hash(address.Bytes);
                _hasPath = true;
            }

            return _path;
        }
    }
}
