using System.Runtime.InteropServices;
using Hyperion.Core;
using Hyperion.Core.Crypto;

namespace Hyperion.State.World;

/// <summary>
/// The journaled world state over a committed <see cref="IStateReader"/>: reads fall through to the reader, writes
/// stay in an overlay until <see cref="CollectChanges"/> hands them to a store. Every change appends an undo record
/// to the journal; a snapshot is the journal's length, and reverting replays the undo records back to it.
/// </summary>
/// <remarks>
/// Accounts live in per-address <see cref="StateObject"/>s. Creating, re-creating or deleting an account replaces its
/// object (the undo record keeps the old one), so storage wipes are exact: a replaced object never reads the
/// reader's storage again. Not thread-safe.
/// </remarks>
public sealed class WorldState : IWorldState
{
    private IStateReader _reader;
    private readonly Dictionary<Address, StateObject> _objects;
    private readonly List<JournalEntry> _journal;

    // Block span: every address whose account or storage may differ from the reader.
    private readonly HashSet<Address> _dirty;

    // Transaction substate.
    private readonly HashSet<Address> _warmAccounts = [];
    private readonly HashSet<(Address, UInt256)> _warmSlots = [];
    private readonly Dictionary<(Address, UInt256), UInt256> _transient = [];
    private readonly Dictionary<(Address, UInt256), UInt256> _originalStorage = [];
    private readonly HashSet<Address> _touched = [];
    private readonly HashSet<Address> _selfDestructed = [];
    private readonly HashSet<Address> _createdInTransaction = [];
    private readonly List<Log> _logs = [];
    private long _refund;

    // The account objects of spans before the last Reset, reused (with their storage dictionaries' capacity) for the
    // next span's accounts: a parallel executor's worker resets its world state for every incarnation, and loading
    // the same few accounts into new objects was most of what an incarnation allocated beyond the sequential run.
    // A contiguous chunk's world state runs a few hundred transactions per span, each sender an account of its own:
    // kept up to a 1,000-transfer block's accounts (an account object and its empty dictionary were a quarter of what a
    // ×2 block of plain transfers allocated).
    private readonly Stack<StateObject> _spareObjects = new();

    // And the objects whose storage outgrew MaxSpareStorage (a token's balances: ~1,000 slots written and as many read
    // per chunk), kept for the same address in the next span: a hot contract's dictionaries grown again from empty
    // each block were a third of what a ×2 ERC20 block allocated. Clearing one costs what filling it did, not its capacity.
    private readonly Dictionary<Address, StateObject> _spareLargeObjects = [];

    /// <summary>Account objects a reset world state keeps for reuse, and the most slots (written or cached) one may hold to be kept among them.</summary>
    private const int MaxSpareObjects = 4096;
    private const int MaxSpareStorage = 64;

    /// <summary>Objects with more slots kept by address, and the most slots one of them may hold.</summary>
    private const int MaxSpareLargeObjects = 4;
    private const int MaxSpareLargeStorage = 1 << 16;

    // SLOAD's fast path: slots known warm in this transaction, with their current value, in a direct-mapped table
    // indexed by a mix of address and key. A repeated SLOAD of a slot then costs an index and two compares instead of
    // the warm-set insert, the account lookup and one or two storage-dictionary lookups (each hashing 20–52 bytes).
    // An entry is valid while its epoch is the current one: SetStorage keeps a cached slot's value current, and every
    // change the table does not follow slot by slot (a revert, an account replaced or deleted, the end of the
    // transaction, an access recorder set) starts a new epoch. A hit or a miss never changes a result; colliding
    // slots only evict each other, so chosen keys can make loads miss but not slow. The table starts small and doubles
    // (up to MaxSlotCacheBits) when evictions outnumber its entries: snailtracer reads ~340 slots over and over.
    private SlotCacheEntry[]? _slotCache;
    private int _slotCacheEpoch = 1;
    private int _slotCacheBits;
    private int _slotCacheEvictions;
    private const int MinSlotCacheBits = 6;
    private const int MaxSlotCacheBits = 11;
    private AccessRecorder? _accessRecorder;

    public WorldState(IStateReader reader)
        : this(reader, 0)
    {
    }

    /// <param name="reader">The committed state under the overlay.</param>
    /// <param name="journalCapacity">Journal entries to allocate up front (a reused world state keeps what it grew to).</param>
    /// <param name="accountCapacity">
    /// Accounts the span is expected to hold (a block's: about two per transaction): its account tables are made that
    /// large at once instead of growing through a dozen sizes, each garbage.
    /// </param>
    public WorldState(IStateReader reader, int journalCapacity, int accountCapacity = 0)
    {
        _reader = reader ?? throw new ArgumentNullException(nameof(reader));
        ArgumentOutOfRangeException.ThrowIfNegative(accountCapacity);
        _journal = new List<JournalEntry>(journalCapacity);
        _objects = new Dictionary<Address, StateObject>(accountCapacity);
        _dirty = new HashSet<Address>(accountCapacity);
    }

    /// <summary>
    /// Makes this world state what <c>new WorldState(<paramref name="reader"/>)</c> would be, keeping the capacity its
    /// collections grew to: a worker that runs many transactions one after another over different readers (the
    /// parallel executor's incarnations) reuses one world state instead of allocating a dozen collections each time.
    /// Nothing handed out before (change sets, logs) refers to its collections, so they stay valid.
    /// </summary>
    public void Reset(IStateReader reader)
    {
        _reader = reader ?? throw new ArgumentNullException(nameof(reader));

        // Nothing else refers to these objects once the journal is cleared (a change set copies their storage). A large
        // object not reused by the span just ended is dropped (its address has gone cold); a span that loaded nothing
        // (a reset that only lets go of the last reader, then the next span's) keeps them for the next.
        if (_objects.Count != 0)
        {
            _spareLargeObjects.Clear();
        }

        foreach ((Address address, StateObject account) in _objects)
        {
            int slots = account.StorageSize;
            if (slots <= MaxSpareStorage)
            {
                Spare(account);
            }
            else if (slots <= MaxSpareLargeStorage && _spareLargeObjects.Count < MaxSpareLargeObjects)
            {
                _spareLargeObjects.Add(address, account);
            }
        }

        _objects.Clear();
        _dirty.Clear();
        ClearTransaction();
        AccessRecorder = null;
    }

    // ---- accounts

    public bool Exists(in Address address) => Get(address).Exists;

    public bool IsDead(in Address address)
    {
        StateObject account = Get(address);
        return !account.Exists || (account.Nonce == 0 && account.Balance.IsZero && account.CodeHash == Keccak256.OfEmpty);
    }

    public UInt256 GetBalance(in Address address) => Get(address).Balance;

    public ulong GetNonce(in Address address) => Get(address).Nonce;

    public Hash256 GetCodeHash(in Address address)
    {
        StateObject account = Get(address);
        return account.Exists ? account.CodeHash : Hash256.Zero;
    }

    public byte[] GetCode(in Address address)
    {
        StateObject account = Get(address);
        if (!account.Exists || account.CodeHash == Keccak256.OfEmpty)
        {
            return [];
        }

        return account.Code ??= _reader.GetCode(account.CodeHash);
    }

    public void CreateAccount(in Address address)
    {
        StateObject previous = Get(address);
        StateObject created = NewObject().AsFresh();
        created.Balance = previous.Exists ? previous.Balance : UInt256.Zero;
        Replace(address, created);
        if (_createdInTransaction.Add(address))
        {
            _journal.Add(new JournalEntry(JournalKind.CreatedInTransaction, address));
        }
    }

    public void AddBalance(in Address address, in UInt256 amount)
    {
        StateObject account = GetOrCreate(address);
        Touch(address);
        if (amount.IsZero)
        {
            return;
        }

        _journal.Add(new JournalEntry(JournalKind.Balance, address) { Value = account.Balance });
        account.Balance += amount;
    }

    public void SubtractBalance(in Address address, in UInt256 amount)
    {
        StateObject account = GetOrCreate(address);
        Touch(address);
        if (amount.IsZero)
        {
            return;
        }

        if (account.Balance < amount)
        {
            throw new InvalidOperationException($"balance of {address} is below {amount}");
        }

        _journal.Add(new JournalEntry(JournalKind.Balance, address) { Value = account.Balance });
        account.Balance -= amount;
    }

    public void SetNonce(in Address address, ulong nonce)
    {
        StateObject account = GetOrCreate(address);
        _journal.Add(new JournalEntry(JournalKind.Nonce, address) { Number = (long)account.Nonce });
        account.Nonce = nonce;
    }

    public void SetCode(in Address address, byte[] code)
    {
        ArgumentNullException.ThrowIfNull(code);
        StateObject account = GetOrCreate(address);
        _journal.Add(new JournalEntry(JournalKind.Code, address)
        {
            Previous = new CodeUndo(account.CodeHash, account.Code, account.CodeChanged),
        });
        account.Code = code;
        account.CodeHash = code.Length == 0 ? Keccak256.OfEmpty : Keccak256.Hash(code);
        account.CodeChanged = true;
    }

    public void Touch(in Address address)
    {
        if (_touched.Add(address))
        {
            _journal.Add(new JournalEntry(JournalKind.Touch, address));
        }
    }

    // ---- storage

    public UInt256 GetStorage(in Address address, in UInt256 key) => ReadStorage(Get(address), address, key);

    public UInt256 LoadStorage(in Address address, in UInt256 key, out bool wasCold)
    {
        SlotCacheEntry[]? cache = _slotCache;
        if (cache is not null)
        {
            ref SlotCacheEntry cached = ref cache[SlotCacheIndex(address, key, _slotCacheBits)];
            if (cached.Epoch == _slotCacheEpoch && cached.Key == key && cached.Address == address)
            {
                wasCold = false;
                return cached.Value;
            }
        }

        wasCold = WarmStorage(address, key);
        UInt256 value = ReadStorage(Get(address), address, key);
        if (_accessRecorder is null)
        {
            // With a recorder every load goes through WarmStorage, which records it.
            CacheSlot(address, key, value);
        }

        return value;
    }

    private void CacheSlot(in Address address, in UInt256 key, in UInt256 value)
    {
        if (_slotCache is null)
        {
            _slotCacheBits = MinSlotCacheBits;
            _slotCache = new SlotCacheEntry[1 << _slotCacheBits];
        }

        ref SlotCacheEntry entry = ref _slotCache[SlotCacheIndex(address, key, _slotCacheBits)];
        if (entry.Epoch == _slotCacheEpoch && ++_slotCacheEvictions > _slotCache.Length && _slotCacheBits < MaxSlotCacheBits)
        {
            // Thrashing: a table twice the size, empty (the slots load into it again).
            _slotCacheBits++;
            _slotCache = new SlotCacheEntry[1 << _slotCacheBits];
            _slotCacheEvictions = 0;
            entry = ref _slotCache[SlotCacheIndex(address, key, _slotCacheBits)];
        }

        entry = new SlotCacheEntry(address, key, value, _slotCacheEpoch);
    }

    public UInt256 GetOriginalStorage(in Address address, in UInt256 key) =>
        _originalStorage.TryGetValue((address, key), out UInt256 original) ? original : GetStorage(address, key);

    public void SetStorage(in Address address, in UInt256 key, in UInt256 value)
    {
        StateObject account = GetOrCreate(address);
        UInt256 current = ReadStorage(account, address, key);
        if (_originalStorage.TryAdd((address, key), current))
        {
            // Journaled too: a reverted frame may have recorded it after wiping the account (CREATE over storage).
            _journal.Add(new JournalEntry(JournalKind.OriginalRecorded, address) { Key = key });
        }

        Dictionary<UInt256, UInt256> written = account.Storage ??= [];
        bool hadEntry = written.ContainsKey(key);
        _journal.Add(new JournalEntry(JournalKind.Storage, address) { Key = key, Value = current, Flag = hadEntry });
        written[key] = value;
        if (_slotCache is { } cache)
        {
            ref SlotCacheEntry cached = ref cache[SlotCacheIndex(address, key, _slotCacheBits)];
            if (cached.Epoch == _slotCacheEpoch && cached.Key == key && cached.Address == address)
            {
                cached = cached with { Value = value };
            }
        }
    }

    public bool HasStorage(in Address address)
    {
        StateObject account = Get(address);
        if (!account.Exists)
        {
            return false;
        }

        // The reader's storage counts until the account is wiped (slots zeroed since then are ignored, as geth and
        // revm compare the committed storage root).
        if (!account.StorageWiped && _reader.HasStorage(address, account.CommittedStorageRoot))
        {
            return true;
        }

        if (account.Storage is { } written)
        {
            foreach (UInt256 value in written.Values)
            {
                if (!value.IsZero)
                {
                    return true;
                }
            }
        }

        return false;
    }

    public UInt256 GetTransientStorage(in Address address, in UInt256 key) =>
        _transient.TryGetValue((address, key), out UInt256 value) ? value : UInt256.Zero;

    public void SetTransientStorage(in Address address, in UInt256 key, in UInt256 value)
    {
        bool had = _transient.TryGetValue((address, key), out UInt256 previous);
        _journal.Add(new JournalEntry(JournalKind.Transient, address) { Key = key, Value = previous, Flag = had });
        _transient[(address, key)] = value;
    }

    // ---- transaction substate

    /// <summary>When set, also receives every account and slot warmed from now on (see <see cref="World.AccessRecorder"/>).</summary>
    public AccessRecorder? AccessRecorder
    {
        get => _accessRecorder;
        set
        {
            // Loads answered by the slot cache would skip the recorder.
            _accessRecorder = value;
            InvalidateSlotCache();
        }
    }

    public bool WarmAccount(in Address address)
    {
        _accessRecorder?.RecordAccount(address);
        if (!_warmAccounts.Add(address))
        {
            return false;
        }

        _journal.Add(new JournalEntry(JournalKind.WarmAccount, address));
        return true;
    }

    public bool WarmStorage(in Address address, in UInt256 key)
    {
        _accessRecorder?.RecordSlot(address, key);
        if (!_warmSlots.Add((address, key)))
        {
            return false;
        }

        _journal.Add(new JournalEntry(JournalKind.WarmSlot, address) { Key = key });
        return true;
    }

    public void AddLog(Log log)
    {
        ArgumentNullException.ThrowIfNull(log);
        _logs.Add(log);
        _journal.Add(new JournalEntry(JournalKind.Log, log.Address));
    }

    public IReadOnlyList<Log> Logs => _logs;

    public long Refund => _refund;

    public void AddRefund(long amount)
    {
        _journal.Add(new JournalEntry(JournalKind.Refund, default) { Number = _refund });
        _refund += amount;
    }

    public void SubtractRefund(long amount)
    {
        _journal.Add(new JournalEntry(JournalKind.Refund, default) { Number = _refund });
        _refund -= amount;
    }

    public bool MarkSelfDestructed(in Address address)
    {
        if (!_selfDestructed.Add(address))
        {
            return false;
        }

        _journal.Add(new JournalEntry(JournalKind.SelfDestruct, address));
        return true;
    }

    public bool IsSelfDestructed(in Address address) => _selfDestructed.Contains(address);

    public bool IsCreatedInTransaction(in Address address) => _createdInTransaction.Contains(address);

    // ---- journal and boundaries

    public int TakeSnapshot() => _journal.Count;

    public void RevertToSnapshot(int snapshot)
    {
        if (snapshot < 0 || snapshot > _journal.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(snapshot), snapshot, $"journal holds {_journal.Count} entries");
        }

        if (snapshot == _journal.Count)
        {
            return;
        }

        InvalidateSlotCache();
        for (int i = _journal.Count - 1; i >= snapshot; i--)
        {
            Undo(_journal[i]);
        }

        _journal.RemoveRange(snapshot, _journal.Count - snapshot);
    }

    public void FinishTransaction(bool deleteTouchedEmpty)
    {
        foreach (Address address in _selfDestructed)
        {
            Delete(address);
        }

        if (deleteTouchedEmpty)
        {
            foreach (Address address in _touched)
            {
                StateObject account = Get(address);
                if (account.Exists && account.Nonce == 0 && account.Balance.IsZero && account.CodeHash == Keccak256.OfEmpty)
                {
                    Delete(address);
                }
            }
        }

        ClearTransaction();
    }

    /// <summary>Empties the journal and the transaction substate.</summary>
    private void ClearTransaction()
    {
        InvalidateSlotCache();

        // The objects an account's creation replaced (a new recipient's placeholder for a missing account, above all):
        // only the journal referred to them, so the next accounts reuse them (one per new recipient was an eighth of a
        // block of plain transfers' bytes, spans reusing their objects or not).
        foreach (ref readonly JournalEntry entry in CollectionsMarshal.AsSpan(_journal))
        {
            if (entry.Kind == JournalKind.Replace)
            {
                Spare((StateObject)entry.Previous!);
            }
        }

        _journal.Clear();
        _warmAccounts.Clear();
        _warmSlots.Clear();
        _transient.Clear();
        _originalStorage.Clear();
        _touched.Clear();
        _selfDestructed.Clear();
        _createdInTransaction.Clear();
        _logs.Clear();
        _refund = 0;
    }

    /// <summary>
    /// The net changes since this world state was created, in a deterministic order. Call between transactions (after
    /// <see cref="IWorldState.FinishTransaction"/>); the world state should be discarded once the store applied them.
    /// </summary>
    public StateChangeSet CollectChanges()
    {
        ThrowIfTransactionOpen();
        int count = SortDirtyAddresses();
        var accounts = new List<AccountChange>(count);
        SortedDictionary<Hash256, byte[]>? code = null;
        for (int i = 0; i < count; i++)
        {
            Address address = _addressOrder[i];
            StateObject account = _objects[address];
            if (!account.Exists)
            {
                accounts.Add(new AccountChange(address, true, 0, UInt256.Zero, Keccak256.OfEmpty, true, []));
                continue;
            }

            // An array, and the shared empty one for an account without slots (most of a block's accounts).
            KeyValuePair<UInt256, UInt256>[] storage = account.Storage is not { Count: > 0 } written ? [] : [.. written];
            Array.Sort(storage, SlotOrder.ByKey);
            accounts.Add(new AccountChange(address, false, account.Nonce, account.Balance, account.CodeHash, account.StorageWiped, storage));
            if (account.CodeChanged && account.Code is { Length: > 0 } bytes)
            {
                (code ??= [])[account.CodeHash] = bytes;
            }
        }

        return new StateChangeSet(accounts, code is null ? [] : [.. code]);
    }

    /// <summary>
    /// The same changes as <see cref="CollectChanges()"/>, handed to <paramref name="sink"/> one by one without
    /// allocating and in no defined order (an account before its slots and code; the same code once per account that
    /// deployed it): for a caller that only sorts them into its own structures, as the parallel executor does once per
    /// transaction.
    /// </summary>
    public void CollectChanges(IStateChangeSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ThrowIfTransactionOpen();
        foreach (Address address in _dirty)
        {
            HandOut(sink, address);
        }
    }

    /// <summary>
    /// <see cref="CollectChanges(IStateChangeSink)"/> with the accounts in ascending address order (each one's slots
    /// still in no defined order): a sink that keeps them by address then need not sort its records of every field,
    /// only the addresses here (a contiguous chunk's ~1,000 accounts a block).
    /// </summary>
    public void CollectChangesByAddress(IStateChangeSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ThrowIfTransactionOpen();
        int count = SortDirtyAddresses();
        for (int i = 0; i < count; i++)
        {
            HandOut(sink, _addressOrder[i]);
        }
    }

    // The dirty addresses sorted for the change sets (kept: a reused world state sorts as many every block; the
    // sequential block's array of them was 5 % of what a block of 1,000 plain transfers allocated).
    private Address[] _addressOrder = [];

    /// <summary>Sorts the dirty addresses into the first entries of <see cref="_addressOrder"/>; returns how many.</summary>
    private int SortDirtyAddresses()
    {
        int count = _dirty.Count;
        if (_addressOrder.Length < count)
        {
            _addressOrder = new Address[Math.Max(count, 2 * _addressOrder.Length)];
        }

        _dirty.CopyTo(_addressOrder);
        Array.Sort(_addressOrder, 0, count);
        return count;
    }

    private void ThrowIfTransactionOpen()
    {
        if (_journal.Count != 0)
        {
            throw new InvalidOperationException("a transaction is still open: call FinishTransaction before collecting changes");
        }
    }

    /// <summary>The change of dirty <paramref name="address"/> to <paramref name="sink"/>: the account, then its slots and code.</summary>
    private void HandOut(IStateChangeSink sink, in Address address)
    {
        StateObject account = _objects[address];
        if (!account.Exists)
        {
            sink.Account(address, true, 0, UInt256.Zero, Keccak256.OfEmpty, true);
            return;
        }

        sink.Account(address, false, account.Nonce, account.Balance, account.CodeHash, account.StorageWiped);
        if (account.Storage is { } written)
        {
            foreach (KeyValuePair<UInt256, UInt256> slot in written)
            {
                sink.Slot(address, slot.Key, slot.Value);
            }
        }

        if (account.CodeChanged && account.Code is { Length: > 0 } bytes)
        {
            sink.Code(account.CodeHash, bytes);
        }
    }

    // ---- internals

    /// <summary>An object to initialise: a spare one (see <see cref="Spare"/>), or a new one.</summary>
    private StateObject NewObject() => _spareObjects.TryPop(out StateObject? spare) ? spare : new StateObject();

    /// <summary>Keeps <paramref name="account"/>, which nothing refers to any more, for <see cref="NewObject"/> if its storage is small and there is room.</summary>
    private void Spare(StateObject account)
    {
        if (account.StorageSize <= MaxSpareStorage && _spareObjects.Count < MaxSpareObjects)
        {
            _spareObjects.Push(account);
        }
    }

    private StateObject Get(in Address address)
    {
        if (_objects.TryGetValue(address, out StateObject? account))
        {
            return account;
        }

        if (_reader.TryGetAccount(address, out Account stored))
        {
            account = (_spareLargeObjects.Count > 0 && _spareLargeObjects.Remove(address, out StateObject? large) ? large : NewObject()).AsLoaded(stored);
        }
        else
        {
            account = NewObject().AsMissing();
        }

        _objects.Add(address, account);
        return account;
    }

    /// <summary>The account, created (as a journaled replacement) when it does not exist; marks it dirty.</summary>
    private StateObject GetOrCreate(in Address address)
    {
        StateObject account = Get(address);
        if (!account.Exists)
        {
            account = NewObject().AsFresh();
            Replace(address, account);
        }

        _dirty.Add(address);
        return account;
    }

    private void Replace(in Address address, StateObject replacement)
    {
        _journal.Add(new JournalEntry(JournalKind.Replace, address) { Previous = Get(address) });
        InvalidateSlotCache();
        _objects[address] = replacement;
        _dirty.Add(address);
    }

    private void Delete(in Address address)
    {
        InvalidateSlotCache();
        _objects[address] = NewObject().AsMissing();
        _dirty.Add(address);
    }

    /// <summary>Empties the slot cache by starting a new epoch (clearing the table only when the counter wraps).</summary>
    private void InvalidateSlotCache()
    {
        if (++_slotCacheEpoch == int.MaxValue)
        {
            if (_slotCache is { } cache)
            {
                Array.Clear(cache);
            }

            _slotCacheEpoch = 1;
        }
    }

    /// <summary>Fibonacci hashing of the key's limbs and the address's last 8 bytes: small slot numbers and hashed keys spread alike.</summary>
    private static int SlotCacheIndex(in Address address, in UInt256 key, int bits) =>
        (int)(((key.U0 ^ key.U1 ^ key.U2 ^ key.U3 ^ MemoryMarshal.Read<ulong>(address.Bytes[12..])) * 0x9E37_79B9_7F4A_7C15UL) >> (64 - bits));

    private UInt256 ReadStorage(StateObject account, in Address address, in UInt256 key)
    {
        if (account.Storage is { } written && written.TryGetValue(key, out UInt256 value))
        {
            return value;
        }

        if (account.StorageWiped)
        {
            return UInt256.Zero;
        }

        account.Committed ??= [];
        if (!account.Committed.TryGetValue(key, out value))
        {
            value = _reader.GetStorage(address, key);
            account.Committed.Add(key, value);
        }

        return value;
    }

    private void Undo(in JournalEntry entry)
    {
        switch (entry.Kind)
        {
            case JournalKind.Replace:
                _objects[entry.Address] = (StateObject)entry.Previous!;
                break;
            case JournalKind.Balance:
                _objects[entry.Address].Balance = entry.Value;
                break;
            case JournalKind.Nonce:
                _objects[entry.Address].Nonce = (ulong)entry.Number;
                break;
            case JournalKind.Code:
            {
                var undo = (CodeUndo)entry.Previous!;
                StateObject account = _objects[entry.Address];
                account.CodeHash = undo.CodeHash;
                account.Code = undo.Code;
                account.CodeChanged = undo.CodeChanged;
                break;
            }

            case JournalKind.Storage:
            {
                StateObject account = _objects[entry.Address];
                if (entry.Flag)
                {
                    account.Storage![entry.Key] = entry.Value; // made by the SetStorage this undoes
                }
                else
                {
                    account.Storage!.Remove(entry.Key);
                }

                break;
            }

            case JournalKind.Transient:
                if (entry.Flag)
                {
                    _transient[(entry.Address, entry.Key)] = entry.Value;
                }
                else
                {
                    _transient.Remove((entry.Address, entry.Key));
                }

                break;
            case JournalKind.OriginalRecorded:
                _originalStorage.Remove((entry.Address, entry.Key));
                break;
            case JournalKind.Touch:
                _touched.Remove(entry.Address);
                break;
            case JournalKind.WarmAccount:
                _warmAccounts.Remove(entry.Address);
                break;
            case JournalKind.WarmSlot:
                _warmSlots.Remove((entry.Address, entry.Key));
                break;
            case JournalKind.Log:
                _logs.RemoveAt(_logs.Count - 1);
                break;
            case JournalKind.Refund:
                _refund = entry.Number;
                break;
            case JournalKind.SelfDestruct:
                _selfDestructed.Remove(entry.Address);
                break;
            case JournalKind.CreatedInTransaction:
                _createdInTransaction.Remove(entry.Address);
                break;
            default:
                throw new InvalidOperationException($"unknown journal entry {entry.Kind}");
        }
    }

    private enum JournalKind : byte
    {
        Replace,
        Balance,
        Nonce,
        Code,
        Storage,
        OriginalRecorded,
        Transient,
        Touch,
        WarmAccount,
        WarmSlot,
        Log,
        Refund,
        SelfDestruct,
        CreatedInTransaction,
    }

    /// <summary>How to undo one change: the previous value of whatever <see cref="Kind"/> names.</summary>
    private readonly record struct JournalEntry(JournalKind Kind, Address Address)
    {
        public UInt256 Key { get; init; }

        public UInt256 Value { get; init; }

        public long Number { get; init; }

        /// <summary>Storage/transient: whether the slot had an overlay entry before.</summary>
        public bool Flag { get; init; }

        /// <summary>Replace: the previous <see cref="StateObject"/>; Code: a <see cref="CodeUndo"/>.</summary>
        public object? Previous { get; init; }
    }

    private readonly record struct SlotCacheEntry(Address Address, UInt256 Key, UInt256 Value, int Epoch);

    private sealed record CodeUndo(Hash256 CodeHash, byte[]? Code, bool CodeChanged);

    /// <summary>One account in the overlay: its current fields and the storage written since the reader's state.</summary>
    private sealed class StateObject
    {
        public bool Exists;
        public ulong Nonce;
        public UInt256 Balance;
        public Hash256 CodeHash = Keccak256.OfEmpty;

        /// <summary>The storage root the reader reported (empty for accounts not from the reader).</summary>
        public Hash256 CommittedStorageRoot = Keccak256.EmptyTrieRoot;

        /// <summary>The code, loaded lazily for accounts from the reader.</summary>
        public byte[]? Code;

        public bool CodeChanged;

        /// <summary>True when the reader's storage for this address is unreachable (new, re-created or deleted account).</summary>
        public bool StorageWiped;

        /// <summary>Slots written during the span (current values); made by the first write (most accounts have none).</summary>
        public Dictionary<UInt256, UInt256>? Storage;

        /// <summary>Read cache of the reader's slot values.</summary>
        public Dictionary<UInt256, UInt256>? Committed;

        /// <summary>The slots it holds, written or cached (what keeping it for reuse keeps).</summary>
        public int StorageSize => Math.Max(Storage?.Count ?? 0, Committed?.Count ?? 0);

        /// <summary>The account as the reader holds it.</summary>
        public StateObject AsLoaded(in Account account)
        {
            Clear();
            Exists = true;
            Nonce = account.Nonce;
            Balance = account.Balance;
            CodeHash = account.CodeHash;
            CommittedStorageRoot = account.StorageRoot;
            return this;
        }

        /// <summary>A new account, with no storage.</summary>
        public StateObject AsFresh()
        {
            Clear();
            Exists = true;
            StorageWiped = true;
            Code = [];
            return this;
        }

        /// <summary>An account that does not exist.</summary>
        public StateObject AsMissing()
        {
            Clear();
            StorageWiped = true;
            Code = [];
            return this;
        }

        /// <summary>Every field as a new object has it (a reused object's dictionaries keep their capacity).</summary>
        private void Clear()
        {
            Exists = false;
            Nonce = 0;
            Balance = UInt256.Zero;
            CodeHash = Keccak256.OfEmpty;
            CommittedStorageRoot = Keccak256.EmptyTrieRoot;
            Code = null;
            CodeChanged = false;
            StorageWiped = false;
            Storage?.Clear();
            Committed?.Clear();
        }
    }
}
