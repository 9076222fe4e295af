using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.State;
using Hyperion.State.World;

namespace Hyperion.Execution.Parallel;

/// <summary>An account's fields as the EVM sees them; <see cref="Missing"/> for an account that does not exist.</summary>
internal readonly record struct AccountValue(bool Exists, ulong Nonce, UInt256 Balance, Hash256 CodeHash)
{
    public static readonly AccountValue Missing = new(false, 0, UInt256.Zero, Keccak256.OfEmpty);

    public bool IsEmpty => Nonce == 0 && Balance.IsZero && CodeHash == Keccak256.OfEmpty;
}

/// <summary>What a multi-version location holds: an account, a storage slot, or the marker of a storage wipe.</summary>
internal enum LocationKind : byte
{
    Account,
    Slot,

    /// <summary>Written by a transaction that wipes the storage of an account that existed when it read it (re-creation, deletion).</summary>
    StorageWipe,
}

internal readonly record struct Location(LocationKind Kind, Address Address, UInt256 Key);

/// <summary>
/// What a read or a write keeps: an account's fields or a slot's key and word, never both, so the word shares the
/// account's balance and the key its code hash (96 bytes, 176 side by side). Every incarnation appends its reads and
/// writes to its worker's arenas, ~1.4 MB a block of token transfers at 176 bytes, more than a core's L2 cache.
/// </summary>
[StructLayout(LayoutKind.Explicit)]
internal readonly struct PackedValue
{
    /// <summary>The kind of location or read (<see cref="LocationKind"/>, <see cref="ReadKind"/>).</summary>
    [FieldOffset(0)]
    public readonly byte Kind;

    /// <summary>A write's credit flag, or a read's <see cref="VersionedRead.Flag"/>.</summary>
    [FieldOffset(1)]
    public readonly bool Flag;

    [FieldOffset(2)]
    private readonly bool _exists;

    [FieldOffset(4)]
    public readonly Address Address;

    [FieldOffset(24)]
    private readonly ulong _nonce;

    /// <summary>A slot's value, a credit's amount, or the account's balance.</summary>
    [FieldOffset(32)]
    public readonly UInt256 Word;

    /// <summary>A slot's key (not set for an account).</summary>
    [FieldOffset(64)]
    public readonly UInt256 Key;

    [FieldOffset(64)]
    private readonly Hash256 _codeHash;

    /// <summary>A slot's key and value, a credit, a wipe or a storage answer.</summary>
    public PackedValue(byte kind, in Address address, bool flag, in UInt256 key, in UInt256 word)
    {
        Kind = kind;
        Address = address;
        Flag = flag;
        Key = key;
        Word = word;
    }

    /// <summary>An account's fields.</summary>
    public PackedValue(byte kind, in Address address, bool flag, in AccountValue value)
    {
        Kind = kind;
        Address = address;
        Flag = flag;
        _exists = value.Exists;
        _nonce = value.Nonce;
        Word = value.Balance;
        _codeHash = value.CodeHash;
    }

    /// <summary>The account's fields: only for a value made of an account.</summary>
    public AccountValue Account => new(_exists, _nonce, Word, _codeHash);
}

/// <summary>One write of a transaction: an account's new fields, a credit to its balance, a slot's value, or a wipe.</summary>
internal readonly struct VersionedWrite
{
    private readonly PackedValue _value;

    private VersionedWrite(in PackedValue value) => _value = value;

    public LocationKind Kind => (LocationKind)_value.Kind;

    public bool IsCredit => _value.Flag;

    public Address Address => _value.Address;

    /// <summary>A slot's value or a credit's amount.</summary>
    public UInt256 Word => _value.Word;

    /// <summary>The location written (a key only for a slot).</summary>
    public Location Location => new(Kind, _value.Address, Kind == LocationKind.Slot ? _value.Key : default);

    /// <summary>The account's new fields: only for a write of an account that is not a credit.</summary>
    public AccountValue Account => _value.Account;

    public static VersionedWrite OfAccount(in Address address, in AccountValue value) => new(new PackedValue((byte)LocationKind.Account, address, false, value));

    public static VersionedWrite Credit(in Address address, in UInt256 amount) => new(new PackedValue((byte)LocationKind.Account, address, true, default, amount));

    public static VersionedWrite OfSlot(in Address address, in UInt256 key, in UInt256 value) => new(new PackedValue((byte)LocationKind.Slot, address, false, key, value));

    public static VersionedWrite Wipe(in Address address) => new(new PackedValue((byte)LocationKind.StorageWipe, address, false, default, default));
}

/// <summary>
/// A read of a transaction, with the value it saw, checked again by validation. <see cref="Flag"/> is the answer of a
/// <see cref="ReadKind.HasStorage"/> read, and for an account or a slot whether the value was the parent's (no position
/// below had written it).
/// </summary>
internal readonly struct VersionedRead
{
    private readonly PackedValue _value;

    private VersionedRead(in PackedValue value) => _value = value;

    public ReadKind Kind => (ReadKind)_value.Kind;

    public bool Flag => _value.Flag;

    public Address Address => _value.Address;

    /// <summary>A slot's key.</summary>
    public UInt256 Key => _value.Key;

    /// <summary>A slot's value.</summary>
    public UInt256 Word => _value.Word;

    /// <summary>The account as read: only for a read of <see cref="ReadKind.Account"/>.</summary>
    public AccountValue Account => _value.Account;

    /// <param name="parents">Whether the value was the parent state's (no position below had written the account).</param>
    public static VersionedRead OfAccount(in Address address, in AccountValue value, bool parents) => new(new PackedValue((byte)ReadKind.Account, address, parents, value));

    /// <param name="parents">Whether the value was the parent state's (no position below had written the slot).</param>
    public static VersionedRead OfSlot(in Address address, in UInt256 key, in UInt256 value, bool parents) => new(new PackedValue((byte)ReadKind.Slot, address, parents, key, value));

    public static VersionedRead OfHasStorage(in Address address, bool hasStorage) => new(new PackedValue((byte)ReadKind.HasStorage, address, hasStorage, default, default));
}

internal enum ReadKind : byte
{
    Account,
    Slot,

    /// <summary>Whether the account's storage is non-empty (EIP-7610), which depends on every slot written to it.</summary>
    HasStorage,
}

/// <summary>A read that met the ESTIMATE left by an aborted incarnation of the transaction at <see cref="Position"/>.</summary>
internal sealed class ReadDependencyException(int position) : Exception($"read depends on the transaction at position {position}")
{
    public int Position { get; } = position;
}

/// <summary>A block the parallel executor leaves to the sequential one (see where it is thrown).</summary>
internal sealed class SequentialFallbackException(string reason) : Exception(reason);

/// <summary>
/// Block-STM's multi-version memory: for every location, the values written by the transactions of one block, by
/// position (0 is the pre-block system calls, transaction i is i + 1, the end of the block is last) and incarnation.
/// A read at position p sees the latest write below p, over the parent state. An aborted incarnation's writes become
/// ESTIMATE markers, and a read that meets one waits for that transaction (<see cref="ReadDependencyException"/>).
/// </summary>
/// <remarks>
/// Balance credits (the fee to the coinbase and any other addition to an account the transaction did not otherwise
/// touch) are kept as deltas, so transactions that only pay the same account do not conflict; a read of the account
/// adds them up in order. A credit is always of a positive amount or a zero "touch" (EIP-161): a touched empty
/// account is deleted. Validation compares the values a transaction read with what a read at its position sees now.
/// </remarks>
internal sealed class MultiVersionMemory
{
    private readonly IStateReader _parent;
    // The maps, versions and chains: a previous block's, cleared, when one was returned (see PooledObjects).
    private readonly PooledObjects _pooled;
    private int _returned;
    private readonly InsertOnlyMap<Location, Versions> _versions;
    // Every slot written, per account, with its versions (also in _versions): what HasStorage and Changes enumerate.
    private readonly InsertOnlyMap<Address, SlotChain> _slotKeys;
    private readonly ConcurrentDictionary<Hash256, byte[]> _code = new();

    // The parent's accounts and slots as read, since validation reads them again (from a store, a read is not free):
    // per thread, keyed by this memory's id, so that a first read takes no lock (a shared concurrent map took one on
    // every first read, a Monitor slow path that was a tenth of a worker's time even with one worker). Each worker
    // reads a parent location at most once; the values are the parent's, the same whichever thread reads them.
    [ThreadStatic]
    private static ParentCache? t_parentCache;
    private static long s_nextId;
    private readonly long _id = Interlocked.Increment(ref s_nextId);
    // Position p's record at p * RecordStride: neighbouring positions, recorded by different workers, on lines of
    // their own (eight references to a line were written by both workers). Rented: 64 KB a block at 1,000 positions.
    private readonly PositionRecord?[] _records;
    private const int RecordStride = 8;

    // The credits to the accounts most positions credit (the coinbase, a rollup's fee vaults), one slot per position (see CreditColumn).
    private readonly CreditColumn[] _columns;

    // Set (before the wipe is published) once any position writes a storage wipe: until then a slot read need not
    // look one up. A read that misses a wipe recorded meanwhile is like any read of a write recorded after it, and
    // validation (which runs after that write's recording) sees the flag.
    private volatile bool _anyWipe;

    /// <param name="parent">The parent state.</param>
    /// <param name="positions">The block's positions (system calls, transactions, end of block).</param>
    /// <param name="gasLimit">The block's gas limit: it bounds the distinct locations the block can touch.</param>
    /// <param name="creditedByMost">
    /// Accounts that nearly every position credits (the block's coinbase, a rollup's fee vaults): their credits are kept
    /// in a slot per position, which each incarnation writes without a lock, instead of in the account's versions,
    /// whose gate and arrays every position would otherwise share. Only where credits are kept differs.
    /// </param>
    public MultiVersionMemory(IStateReader parent, int positions, ulong gasLimit = 0, IReadOnlyList<Address>? creditedByMost = null)
    {
        _parent = parent;
        // Empty: only this class rents arrays of records, and it returns them cleared (Return).
        _records = ArrayPool<PositionRecord?>.Shared.Rent(Math.Max(positions, 1) * RecordStride);
        // One column per account: a chain may name the same account twice (a rollup whose coinbase is a fee vault).
        _columns = creditedByMost is null ? [] : [.. creditedByMost.Distinct().Select(address => new CreditColumn(address, positions))];

        // Sized for a few locations per position (lock-free maps of fixed buckets: a first touch of a location is
        // one compare-and-swap, where a concurrent dictionary took a monitor whose slow path was a fifth of Record).
        // The buckets never grow, so a few transactions that each touch thousands of cold slots must not meet a
        // map sized for a few per transaction (chains of thousands, quadratic work): every distinct location costs
        // at least a cold access (≥ 1,900 gas with an access list), so the gas limit bounds them; capped so that a
        // test block with an effectively unlimited gas limit does not allocate megabytes of buckets. That bound is
        // the worst case, far above what blocks touch (a token transfer: ~50,000 gas for four locations), so the map
        // holds it at a few entries per bucket (WorstCaseEntriesPerBucket) rather than at half an entry: at a 100M-gas
        // block the buckets were 1 MB (and the slot keys' 256 KB), cleared on every block's return on the caller
        // (a tenth of a millisecond) and spread over more than a core's L2 cache.
        int byGas = (int)Math.Min(gasLimit / MinimumGasPerLocation, MaximumLocationsByGas) / (2 * WorstCaseEntriesPerBucket);
        int locations = Math.Max(Math.Max(positions, 1) * LocationsPerPosition, byGas);
        _pooled = PooledObjects.Rent(locations, Math.Max(positions, byGas / LocationsPerPosition));
        _versions = _pooled.Versions;
        _slotKeys = _pooled.SlotKeys;
    }

    /// <summary>The most locations whose objects are kept from one block for the next (~2.5 MB of versions and nodes).</summary>
    private const int PooledLocations = 8192;

    /// <summary>The expected locations per position (a token transfer touches about four).</summary>
    private const int LocationsPerPosition = 4;

    /// <summary>The least gas a first touch of a location costs (an access-list slot key, EIP-2930).</summary>
    private const ulong MinimumGasPerLocation = 1_900;

    /// <summary>The cap on the gas-derived bound (2^17 locations).</summary>
    private const ulong MaximumLocationsByGas = 1 << 17;

    /// <summary>
    /// Entries per bucket of the maps at the gas-derived worst case (a map is sized for the expected entries and gets
    /// twice as many buckets): chains of a few nodes, where half a node per bucket took eight times the buckets to clear.
    /// </summary>
    private const int WorstCaseEntriesPerBucket = 4;

    /// <summary>The parent state, under every position.</summary>
    public IStateReader Parent => _parent;

    // ---- reads

    /// <summary>The account at <paramref name="address"/> as position <paramref name="position"/> sees it.</summary>
    /// <exception cref="ReadDependencyException">An earlier write is an ESTIMATE.</exception>
    public AccountValue ReadAccount(in Address address, int position) => ReadAccount(address, position, out _);

    /// <summary>
    /// As <see cref="ReadAccount(in Address, int)"/>; <paramref name="writer"/> is the highest position below whose
    /// write or credit the value includes, -1 when none did (the parent's value).
    /// </summary>
    public AccountValue ReadAccount(in Address address, int position, out int writer)
    {
        writer = -1;
        if (ColumnOf(address) is { } column)
        {
            return ReadColumnAccount(column, position, out writer);
        }

        if (!_versions.TryGetValue(new Location(LocationKind.Account, address, default), out Versions? versions))
        {
            return ParentAccount(address);
        }

        // Walks down from the latest write below the position, through credits, to a full value (or the parent),
        // then applies the credits above it in order, in place: the coinbase of a block has one from nearly every
        // transaction, and collecting them into an array first cost a block's end more than adding them up.
        using (versions.Enter())
        {
            int top = versions.LastBelow(position);
            int start = top;
            for (; start >= 0; start--)
            {
                ref readonly Entry entry = ref versions.At(start);
                if (entry.Estimate)
                {
                    throw new ReadDependencyException(versions.PositionAt(start));
                }

                if (!entry.IsCredit)
                {
                    break;
                }
            }

            writer = top < 0 ? -1 : versions.PositionAt(top);
            AccountValue value = start >= 0 ? versions.At(start).Account : ParentAccount(address);
            for (int i = start + 1; i <= top; i++)
            {
                value = Credit(address, value, versions.At(i).Word);
            }

            return value;
        }
    }

    /// <summary>The slot's value as position <paramref name="position"/> sees it (zero after a wipe of the account's storage).</summary>
    /// <exception cref="ReadDependencyException">The latest write (or wipe) below the position is an ESTIMATE.</exception>
    public UInt256 ReadSlot(in Address address, in UInt256 key, int position) => ReadSlot(address, key, position, out _);

    /// <summary>
    /// As <see cref="ReadSlot(in Address, in UInt256, int)"/>; <paramref name="writer"/> is the position below whose
    /// write or wipe gives the value, -1 when none did (the parent's value).
    /// </summary>
    public UInt256 ReadSlot(in Address address, in UInt256 key, int position, out int writer)
    {
        (int slotPosition, Entry slot) = Latest(new Location(LocationKind.Slot, address, key), position);
        (int wipePosition, Entry wipe) = _anyWipe ? Latest(new Location(LocationKind.StorageWipe, address, default), position) : (-1, default);
        writer = Math.Max(slotPosition, wipePosition);
        if (writer < 0)
        {
            return ParentSlot(address, key);
        }

        // A slot written by the wiping transaction itself was written after the wipe.
        if (slotPosition >= wipePosition)
        {
            return slot.Estimate ? throw new ReadDependencyException(slotPosition) : slot.Word;
        }

        return wipe.Estimate ? throw new ReadDependencyException(wipePosition) : UInt256.Zero;
    }

    /// <summary>
    /// Whether the (existing) account's storage is non-empty at <paramref name="position"/>, as the sequential world
    /// state answers: the parent's storage counts until a wipe, slots written since count when non-zero.
    /// </summary>
    public bool HasStorage(in Address address, int position)
    {
        (int wipePosition, Entry wipe) = Latest(new Location(LocationKind.StorageWipe, address, default), position);
        if (wipePosition >= 0 && wipe.Estimate)
        {
            throw new ReadDependencyException(wipePosition);
        }

        if (wipePosition < 0 && _parent.TryGetAccount(address, out Account parent) && _parent.HasStorage(address, parent.StorageRoot))
        {
            return true;
        }

        if (_slotKeys.TryGetValue(address, out SlotChain? keys))
        {
            // A key added meanwhile is a write that validation sees.
            for (SlotNode? node = keys.Head; node is not null; node = node.Next)
            {
                (int slotPosition, _) = Latest(node.Versions, position);
                if (slotPosition >= 0 && slotPosition >= wipePosition && !ReadSlot(address, node.Key, position).IsZero)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Code by hash: deployed in this block or in the parent state.</summary>
    public byte[] Code(in Hash256 codeHash) => _code.TryGetValue(codeHash, out byte[]? code) ? code : _parent.GetCode(codeHash);

    /// <summary>True when every read in <paramref name="reads"/> still sees the same value at <paramref name="position"/>.</summary>
    public bool Validate(int position, ReadOnlySpan<VersionedRead> reads)
    {
        try
        {
            foreach (ref readonly VersionedRead read in reads)
            {
                // A read of the parent's value (the flag) is still valid while no position below writes the location:
                // the parent does not change, so it need not be read again (a per-thread cache lookup per read).
                bool same = read.Kind switch
                {
                    ReadKind.Account => (read.Flag && !WrittenBelow(new Location(LocationKind.Account, read.Address, default), position))
                        || ReadAccount(read.Address, position) == read.Account,
                    ReadKind.Slot => (read.Flag && !WrittenBelow(new Location(LocationKind.Slot, read.Address, read.Key), position)
                            && !(_anyWipe && WrittenBelow(new Location(LocationKind.StorageWipe, read.Address, default), position)))
                        || ReadSlot(read.Address, read.Key, position) == read.Word,
                    _ => HasStorage(read.Address, position) == read.Flag,
                };
                if (!same)
                {
                    return false;
                }
            }

            return true;
        }
        catch (ReadDependencyException)
        {
            return false;
        }
    }

    // ---- writes

    /// <summary>
    /// Records incarnation <paramref name="incarnation"/> of the transaction at <paramref name="position"/>: its
    /// writes replace those of its previous incarnation (locations it no longer writes are removed). True when it
    /// wrote a location the previous incarnation did not (later transactions must then be validated again).
    /// </summary>
    public bool Record(int position, int incarnation, PositionRecord record)
    {
        // Indexed: an interface's enumerator per record, for code that is nearly always none.
        IReadOnlyList<KeyValuePair<Hash256, byte[]>> deployed = record.Code;
        for (int i = 0; i < deployed.Count; i++)
        {
            _code.TryAdd(deployed[i].Key, deployed[i].Value);
        }

        // By reference: a write is ~190 bytes, which a foreach copied out of the arena once per write.
        foreach (ref readonly VersionedWrite write in record.Writes.AsSpan())
        {
            if (write.Kind == LocationKind.StorageWipe)
            {
                _anyWipe = true;
            }

            if (write.IsCredit && ColumnOf(write.Address) is { } column)
            {
                column.Set(position, write.Word);
                continue;
            }

            Versions versions = VersionsOf(write.Location);
            using (versions.Enter())
            {
                versions.Set(position, new Entry(incarnation, write.IsCredit, write.IsCredit || write.Kind == LocationKind.Slot ? AccountValue.Missing with { Balance = write.Word } : write.Account));
            }
        }

        bool wroteNew;
        PositionRecord? previous = Volatile.Read(ref _records[position * RecordStride]);
        if (previous is null)
        {
            wroteNew = record.Writes.Count > 0;
        }
        else
        {
            // A re-execution (the rare case, so its sets are built only here): the previous incarnation's locations
            // that this one does not write are removed.
            // A credit kept in a column and a write of the same account are one location to validation, but kept
            // apart: each is removed when this incarnation no longer has it.
            HashSet<Location> locations = record.Locations();
            HashSet<Location> previousLocations = previous.Locations();
            HashSet<Location> versioned = _columns.Length == 0 ? locations : VersionedLocations(record);
            foreach (VersionedWrite write in previous.Writes)
            {
                if (write.IsCredit && ColumnOf(write.Address) is { } column)
                {
                    if (!CreditsColumn(record, column))
                    {
                        column.Clear(position);
                    }
                }
                else if (!versioned.Contains(write.Location))
                {
                    Versions versions = VersionsAt(write.Location);
                    using (versions.Enter())
                    {
                        versions.Remove(position);
                    }
                }
            }

            wroteNew = !locations.IsSubsetOf(previousLocations);
        }

        Volatile.Write(ref _records[position * RecordStride], record);
        return wroteNew;
    }

    /// <summary>Turns the writes of the last incarnation at <paramref name="position"/> into ESTIMATE markers (it was aborted).</summary>
    public void MarkEstimates(int position)
    {
        PositionRecord record = Volatile.Read(ref _records[position * RecordStride])!;
        foreach (VersionedWrite write in record.Writes)
        {
            if (write.IsCredit && ColumnOf(write.Address) is { } column)
            {
                column.MarkEstimate(position);
                continue;
            }

            Versions versions = VersionsAt(write.Location);
            using (versions.Enter())
            {
                versions.MarkEstimate(position);
            }
        }
    }

    /// <summary>
    /// A record of one of this block's incarnations, its shell kept from a returned memory's block (a new one per
    /// incarnation was a twentieth of a token-transfer block's bytes): valid until <see cref="Return"/>, any thread.
    /// </summary>
    public PositionRecord NewRecord(
        ArraySegment<VersionedRead> reads,
        ArraySegment<VersionedWrite> writes,
        IReadOnlyList<KeyValuePair<Hash256, byte[]>> code,
        ArraySegment<Address> changed,
        Transactions.TransactionResult? result = null,
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? failure = null) =>
        _pooled.TakeRecord().Set(reads, writes, code, changed, result, failure);

    /// <summary>What the last recorded incarnation at <paramref name="position"/> read, wrote and returned.</summary>
    public PositionRecord? RecordAt(int position) => Volatile.Read(ref _records[position * RecordStride]);

    // ---- the block's net changes

    /// <summary>
    /// The net changes of positions below <paramref name="end"/> on the parent state, as the sequential world state
    /// collects them: every account some position changed, in address order, its storage cleared when it was wiped
    /// (or did not exist in the parent), with every slot written since.
    /// </summary>
    public StateChangeSet Changes(int end)
    {
        ChangedAccounts changed = ChangedAccounts(end);
        var part = new NetChangePart(changed.Count);
        AccountChanges(changed, 0, changed.Count, end, part);
        return Combine(changed, [part]);
    }

    /// <summary>
    /// The distinct addresses positions below <paramref name="end"/> changed, sorted, and the code they deployed: the
    /// first step of <see cref="Changes"/>, which <see cref="AccountChanges"/> then turns into net changes range by
    /// range (on as many threads as the caller likes).
    /// </summary>
    public ChangedAccounts ChangedAccounts(int end)
    {
        // Sorted once, duplicates skipped (a sorted set of every position's addresses cost several times more).
        // Sized for the addresses the records hold: a guess of a few per position was often twice as large.
        int addresses = 0;
        for (int position = 0; position < end; position++)
        {
            addresses += _records[position * RecordStride]?.Changed.Count ?? 0;
        }

        var changed = new ChangedAccounts(addresses);
        for (int position = 0; position < end; position++)
        {
            if (_records[position * RecordStride] is { } record)
            {
                changed.Gather(record);
            }
        }

        changed.SortDistinct();
        return changed;
    }

    /// <summary>
    /// The net changes at <paramref name="end"/> of the accounts <paramref name="changed"/> holds from index
    /// <paramref name="from"/> up to <paramref name="to"/>, in address order, into <paramref name="part"/>. Reads only
    /// what is recorded: ranges may run on different threads at once once no position is recorded any more.
    /// </summary>
    public void AccountChanges(ChangedAccounts changed, int from, int to, int end, NetChangePart part)
    {
        ParentCache cache = ThreadParentCache();
        for (int a = from; a < to; a++)
        {
            Address address = changed[a];
            AccountValue account = ReadAccount(address, end);
            if (!account.Exists)
            {
                part.Accounts.Add(new AccountChange(address, true, 0, UInt256.Zero, Keccak256.OfEmpty, true, []));
                continue;
            }

            // No wipe in the block (nearly every block): no lookup of one per account.
            int wipePosition = _anyWipe ? Latest(new Location(LocationKind.StorageWipe, address, default), end).Position : -1;
            IReadOnlyList<KeyValuePair<UInt256, UInt256>> storage = _slotKeys.TryGetValue(address, out SlotChain? keys) ? WrittenSlots(keys, wipePosition, end) : [];
            bool cleared = wipePosition >= 0 || !ParentExists(address, cache);
            part.Accounts.Add(new AccountChange(address, false, account.Nonce, account.Balance, account.CodeHash, cleared, storage));
            if (changed.Deployed(account.CodeHash) is { } bytes)
            {
                part.Code.Add(new KeyValuePair<Hash256, byte[]>(account.CodeHash, bytes));
            }
        }
    }

    /// <summary>
    /// The slots of <paramref name="keys"/>' account written at a position from <paramref name="wipePosition"/> up to
    /// <paramref name="end"/>, with their latest values, sorted by key; the shared empty array when none (an account
    /// whose slots were all written by positions at or above the end).
    /// </summary>
    private static KeyValuePair<UInt256, UInt256>[] WrittenSlots(SlotChain keys, int wipePosition, int end)
    {
        // Sized for every slot written (an upper bound), trimmed once: grown from empty, a token's 2,000 slots left
        // ~250 KB of smaller arrays behind per block.
        var storage = new KeyValuePair<UInt256, UInt256>[keys.Count()];
        int count = 0;
        for (SlotNode? node = keys.Head; node is not null; node = node.Next)
        {
            (int slotPosition, Entry slot) = Latest(node.Versions, end);
            if (slotPosition >= 0 && slotPosition >= wipePosition)
            {
                storage[count++] = new KeyValuePair<UInt256, UInt256>(node.Key, slot.Word);
            }
        }

        if (count == 0)
        {
            return [];
        }

        if (count < storage.Length)
        {
            Array.Resize(ref storage, count);
        }

        Array.Sort(storage, SlotOrder.ByKey);
        return storage;
    }

    /// <summary>The block's net changes from its ranges' <paramref name="parts"/>, in address order.</summary>
    public static StateChangeSet Combine(ChangedAccounts changed, IReadOnlyList<NetChangePart> parts)
    {
        var accounts = new List<AccountChange>(changed.Count);
        var code = new SortedDictionary<Hash256, byte[]>();
        foreach (NetChangePart part in parts)
        {
            accounts.AddRange(part.Accounts);
            foreach (KeyValuePair<Hash256, byte[]> deployment in part.Code)
            {
                code[deployment.Key] = deployment.Value;
            }
        }

        return new StateChangeSet(accounts, [.. code]);
    }

    /// <summary>
    /// Gives the maps' buckets back to the pool and keeps the maps' nodes, the versions and the slot chains for the next
    /// block's memory: only once nothing reads or writes this memory any more (the block's workers and net changes are
    /// done). A memory never returned is simply collected; a second return does nothing.
    /// </summary>
    public void Return()
    {
        // Once only: a second return would give the pooled set (and the records' array) to two later blocks at once.
        if (Interlocked.Exchange(ref _returned, 1) != 0)
        {
            return;
        }

        _pooled.Return();
        ArrayPool<PositionRecord?>.Shared.Return(_records, clearArray: true);
        foreach (CreditColumn column in _columns)
        {
            column.Return();
        }
    }

    // ---- internals

    /// <summary>The credit column of <paramref name="address"/>; null when its credits are kept in its versions.</summary>
    private CreditColumn? ColumnOf(in Address address)
    {
        foreach (CreditColumn column in _columns)
        {
            if (column.Address == address)
            {
                return column;
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="record"/> credits <paramref name="column"/>'s account.</summary>
    private static bool CreditsColumn(PositionRecord record, CreditColumn column)
    {
        foreach (VersionedWrite write in record.Writes)
        {
            if (write.IsCredit && write.Address == column.Address)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The locations <paramref name="record"/> writes in versions (its credits kept in columns left out).</summary>
    private HashSet<Location> VersionedLocations(PositionRecord record)
    {
        var locations = new HashSet<Location>(record.Writes.Count);
        foreach (VersionedWrite write in record.Writes)
        {
            if (!(write.IsCredit && ColumnOf(write.Address) is not null))
            {
                locations.Add(write.Location);
            }
        }

        return locations;
    }

    /// <summary>
    /// <see cref="ReadAccount(in Address, int, out int)"/> of a column's account: its latest write below the position
    /// (or the parent's value), then the credits in the column between that write and the position, in order. As
    /// with credits in versions, an ESTIMATE among those credits (the highest first) or at that write is a dependency.
    /// </summary>
    private AccountValue ReadColumnAccount(CreditColumn column, int position, out int writer)
    {
        int basePosition = -1;
        Entry baseEntry = default;
        if (_versions.TryGetValue(new Location(LocationKind.Account, column.Address, default), out Versions? versions))
        {
            using (versions.Enter())
            {
                int index = versions.LastBelow(position);
                if (index >= 0)
                {
                    basePosition = versions.PositionAt(index);
                    baseEntry = versions.At(index);
                }
            }
        }

        // The ESTIMATEs are looked for before any credit is applied, as in versions (a credit may throw the fallback).
        int top = Math.Min(position, column.Positions) - 1;
        int highestCredit = -1;
        for (int p = top; p > basePosition; p--)
        {
            CreditState state = column.StateAt(p);
            if (state == CreditState.Estimate)
            {
                throw new ReadDependencyException(p);
            }

            if (state == CreditState.Credit && highestCredit < 0)
            {
                highestCredit = p;
            }
        }

        bool anyCredit = highestCredit >= 0;

        if (basePosition >= 0 && baseEntry.Estimate)
        {
            throw new ReadDependencyException(basePosition);
        }

        writer = anyCredit ? highestCredit : basePosition;
        AccountValue value = basePosition >= 0 ? baseEntry.Account : ParentAccount(column.Address);
        if (!anyCredit)
        {
            return value;
        }

        for (int p = basePosition + 1; p <= top; p++)
        {
            // A slot changed since the scan above is a write validation sees; an ESTIMATE now is still a dependency.
            if (column.TryRead(p, out UInt256 amount))
            {
                value = Credit(column.Address, value, amount);
            }
        }

        return value;
    }

    /// <summary>The versions of <paramref name="location"/>, added on its first write.</summary>
    private Versions VersionsOf(in Location location)
    {
        // Hashed once for the lookup and, on a first write, the add.
        int hash = location.GetHashCode();
        if (_versions.TryGetValue(location, hash, out Versions? versions))
        {
            return versions;
        }

        // A slot's versions join its account's chain before they are published: whoever finds them in the map can
        // also enumerate them. A racing first write that loses leaves its (never written) versions in the chain,
        // where an empty history counts as no write.
        Versions created = _pooled.TakeVersions();
        if (location.Kind == LocationKind.Slot)
        {
            if (!_slotKeys.TryGetValue(location.Address, out SlotChain? chain))
            {
                chain = _slotKeys.GetOrAdd(location.Address, _pooled.TakeChain());
            }

            chain.Push(_pooled.TakeSlotNode(location.Key, created));
        }

        return _versions.GetOrAdd(location, hash, created);
    }

    /// <summary>The versions of a location written before.</summary>
    private Versions VersionsAt(in Location location) =>
        _versions.TryGetValue(location, out Versions? versions) ? versions : throw new InvalidOperationException($"no versions of {location}");

    private AccountValue ParentAccount(in Address address)
    {
        // One lookup for a hit and a miss alike (most parent reads are a first read of a sender or a holder's slot).
        Dictionary<Address, AccountValue> accounts = ThreadParentCache().Accounts;
        ref AccountValue cached = ref CollectionsMarshal.GetValueRefOrAddDefault(accounts, address, out bool found);
        if (found)
        {
            return cached;
        }

        try
        {
            cached = _parent.TryGetAccount(address, out Account account) ? new AccountValue(true, account.Nonce, account.Balance, account.CodeHash) : AccountValue.Missing;
            return cached;
        }
        catch
        {
            // Not left cached as the default (a missing account) when the parent could not be read.
            accounts.Remove(address);
            throw;
        }
    }

    /// <summary>
    /// Whether the account exists in the parent state: this thread's cached read, else the parent's, not cached (the
    /// block's end asks once per changed account, half of them read only by the other thread: their inserts grew this
    /// thread's cache for nothing).
    /// </summary>
    private bool ParentExists(in Address address, ParentCache cache) =>
        cache.Accounts.TryGetValue(address, out AccountValue cached) ? cached.Exists : _parent.TryGetAccount(address, out _);

    private UInt256 ParentSlot(in Address address, in UInt256 key)
    {
        Dictionary<(Address, UInt256), UInt256> slots = ThreadParentCache().Slots;
        ref UInt256 cached = ref CollectionsMarshal.GetValueRefOrAddDefault(slots, (address, key), out bool found);
        if (found)
        {
            return cached;
        }

        try
        {
            cached = _parent.GetStorage(address, key);
            return cached;
        }
        catch
        {
            slots.Remove((address, key));
            throw;
        }
    }

    /// <summary>A credit applied to <paramref name="account"/> as AddBalance and the end of the transaction apply it.</summary>
    private AccountValue Credit(in Address address, in AccountValue account, in UInt256 amount)
    {
        AccountValue credited = account.Exists ? account with { Balance = account.Balance + amount } : AccountValue.Missing with { Exists = true, Balance = amount };
        if (!credited.IsEmpty)
        {
            return credited;
        }

        // A zero touch deletes an empty account (EIP-161), its storage with it. The storage of an existing empty
        // account (EIP-7610's rare case) would need a wipe no credit records, so such a block runs sequentially.
        if (account.Exists && _parent.TryGetAccount(address, out Account parent) && _parent.HasStorage(address, parent.StorageRoot))
        {
            throw new SequentialFallbackException($"a zero credit deletes the empty account {address}, which has storage");
        }

        return AccountValue.Missing;
    }

    /// <summary>Whether some position below <paramref name="position"/> wrote <paramref name="location"/> (an ESTIMATE counts).</summary>
    private bool WrittenBelow(in Location location, int position)
    {
        if (location.Kind == LocationKind.Account && ColumnOf(location.Address) is { } column && column.AnyBelow(position))
        {
            return true;
        }

        if (!_versions.TryGetValue(location, out Versions? versions))
        {
            return false;
        }

        using (versions.Enter())
        {
            return versions.LastBelow(position) >= 0;
        }
    }

    private (int Position, Entry Entry) Latest(in Location location, int position) =>
        _versions.TryGetValue(location, out Versions? versions) ? Latest(versions, position) : (-1, default);

    private static (int Position, Entry Entry) Latest(Versions versions, int position)
    {
        using (versions.Enter())
        {
            int i = versions.LastBelow(position);
            return i < 0 ? (-1, default) : (versions.PositionAt(i), versions.At(i));
        }
    }

    /// <summary>This thread's cache of this memory's parent reads (emptied when the thread last served another memory).</summary>
    private ParentCache ThreadParentCache()
    {
        ParentCache cache = t_parentCache ??= new ParentCache();
        if (cache.Owner != _id)
        {
            cache.Reset(_id);
        }

        return cache;
    }

    /// <summary>One thread's parent reads for one memory; reused by the thread's next block, keeping a modest capacity.</summary>
    private sealed class ParentCache
    {
        /// <summary>Entries whose capacity a cache keeps across blocks (a larger block's is trimmed back to it).</summary>
        private const int KeptCapacity = 1 << 14;

        public long Owner;

        public readonly Dictionary<Address, AccountValue> Accounts = [];

        public readonly Dictionary<(Address, UInt256), UInt256> Slots = [];

        public void Reset(long owner)
        {
            Owner = owner;
            bool trimAccounts = Accounts.Count > KeptCapacity;
            bool trimSlots = Slots.Count > KeptCapacity;
            Accounts.Clear();
            Slots.Clear();
            if (trimAccounts)
            {
                Accounts.TrimExcess(KeptCapacity);
            }

            if (trimSlots)
            {
                Slots.TrimExcess(KeptCapacity);
            }
        }
    }

    private enum CreditState : byte
    {
        None,
        Credit,
        Estimate,
    }

    /// <summary>
    /// The credits of one account, one slot per position: position p's incarnation writes slot p alone, so no lock is
    /// taken and no array shared by all positions grows; a read of the account adds them up. A slot is written by one
    /// thread at a time (the incarnation that records it, or the validator that aborted it, before the next incarnation
    /// starts), and read under a sequence count: odd while it changes, so a reader never sees half an amount.
    /// </summary>
    private sealed class CreditColumn
    {
        private readonly CreditSlot[] _slots;

        public CreditColumn(Address address, int positions)
        {
            Address = address;
            Positions = positions;
            _slots = ArrayPool<CreditSlot>.Shared.Rent(Math.Max(positions, 1));
            Array.Clear(_slots, 0, positions);
        }

        public Address Address { get; }

        public int Positions { get; }

        /// <summary>The slot's state (an ESTIMATE or a credit may be half written: <see cref="TryRead"/> reads the amount).</summary>
        public CreditState StateAt(int position) => (CreditState)Volatile.Read(ref _slots[position].State);

        /// <summary>Whether a position below <paramref name="position"/> has a credit or an ESTIMATE.</summary>
        public bool AnyBelow(int position)
        {
            for (int p = Math.Min(position, Positions) - 1; p >= 0; p--)
            {
                if (StateAt(p) != CreditState.None)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>The credit at <paramref name="position"/>, whole; false when there is none.</summary>
        /// <exception cref="ReadDependencyException">The slot is an ESTIMATE.</exception>
        public bool TryRead(int position, out UInt256 amount)
        {
            ref CreditSlot slot = ref _slots[position];
            if (Volatile.Read(ref slot.State) == (byte)CreditState.None)
            {
                amount = default;
                return false;
            }

            var spin = default(SpinWait);
            while (true)
            {
                int before = Volatile.Read(ref slot.Sequence);
                if ((before & 1) == 0)
                {
                    var state = (CreditState)slot.State;
                    amount = slot.Amount;
                    Interlocked.MemoryBarrier();
                    if (Volatile.Read(ref slot.Sequence) == before)
                    {
                        return state == CreditState.Estimate ? throw new ReadDependencyException(position) : state == CreditState.Credit;
                    }
                }

                spin.SpinOnce(-1);
            }
        }

        public void Set(int position, in UInt256 amount) => Write(position, CreditState.Credit, amount);

        public void Clear(int position) => Write(position, CreditState.None, default);

        public void MarkEstimate(int position) => Write(position, CreditState.Estimate, _slots[position].Amount);

        /// <summary>Gives the slots back to the pool (see <see cref="MultiVersionMemory.Return"/>).</summary>
        public void Return() => ArrayPool<CreditSlot>.Shared.Return(_slots);

        private void Write(int position, CreditState state, in UInt256 amount)
        {
            ref CreditSlot slot = ref _slots[position];
            Interlocked.Increment(ref slot.Sequence);
            slot.Amount = amount;
            Volatile.Write(ref slot.State, (byte)state);
            Volatile.Write(ref slot.Sequence, slot.Sequence + 1);
        }
    }

    /// <summary>One position's credit: a cache line's size, so that neighbours (written by different workers) share at most one line.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 64)]
    private struct CreditSlot
    {
        public UInt256 Amount;
        public int Sequence;
        public byte State;
    }

    /// <summary>The slots written to one account, newest first; pushed without a lock.</summary>
    private sealed class SlotChain
    {
        private SlotNode? _head;

        public SlotNode? Head => Volatile.Read(ref _head);

        /// <summary>The slots in the chain now.</summary>
        public int Count()
        {
            int count = 0;
            for (SlotNode? node = Head; node is not null; node = node.Next)
            {
                count++;
            }

            return count;
        }

        /// <summary>Empties a chain taken from the pool.</summary>
        public void Clear() => _head = null;

        /// <summary>Pushes <paramref name="node"/>, whose key and versions are set.</summary>
        public void Push(SlotNode node)
        {
            SlotNode? head = Volatile.Read(ref _head);
            while (true)
            {
                node.Next = head;
                SlotNode? seen = Interlocked.CompareExchange(ref _head, node, head);
                if (seen == head)
                {
                    return;
                }

                head = seen;
            }
        }
    }

    // Key and versions set before the node is pushed (the compare-and-swap publishes them), never after.
    private sealed class SlotNode
    {
        public UInt256 Key;
        public Versions Versions = null!;
        public SlotNode? Next;
    }

    /// <summary>
    /// A block's maps, versions and slot chains, kept from one block for the next: allocated anew they were a fifth of
    /// a token-transfer block's bytes, all living to its end, so that every gen0 collection in a block promoted them
    /// (see <see cref="ObjectArena{T}"/>). A memory rents a set and gives it back with <see cref="Return"/>; a set never
    /// returned (a block that failed) is collected, and the next block makes a new one.
    /// </summary>
    private sealed class PooledObjects
    {
        // Blocks run one at a time on a node, but a node may validate and build at once: a few sets, not one.
        private const int KeptSets = 2;
        private static readonly Lock s_gate = new();
        private static readonly Stack<PooledObjects> s_kept = new(KeptSets);

        private readonly ObjectArena<Versions> _versions = new(PooledLocations);
        private readonly ObjectArena<SlotNode> _slotNodes = new(PooledLocations);
        private readonly ObjectArena<SlotChain> _chains = new(PooledLocations / LocationsPerPosition);
        private readonly ObjectArena<PositionRecord> _records = new(PooledLocations / LocationsPerPosition);

        private PooledObjects(int locations, int accounts)
        {
            Versions = new InsertOnlyMap<Location, Versions>(locations, PooledLocations);
            SlotKeys = new InsertOnlyMap<Address, SlotChain>(accounts, PooledLocations / LocationsPerPosition);
        }

        public InsertOnlyMap<Location, Versions> Versions { get; }

        public InsertOnlyMap<Address, SlotChain> SlotKeys { get; }

        /// <summary>A returned set opened for a block of <paramref name="locations"/>, or a new one.</summary>
        public static PooledObjects Rent(int locations, int accounts)
        {
            lock (s_gate)
            {
                if (s_kept.TryPop(out PooledObjects? kept))
                {
                    kept.Versions.Reopen(locations);
                    kept.SlotKeys.Reopen(accounts);
                    return kept;
                }
            }

            return new PooledObjects(locations, accounts);
        }

        public Versions TakeVersions()
        {
            Versions versions = _versions.Take();
            versions.Clear();
            return versions;
        }

        public SlotChain TakeChain()
        {
            SlotChain chain = _chains.Take();
            chain.Clear();
            return chain;
        }

        /// <summary>A record shell, its fields as the previous block left them (the taker sets them all).</summary>
        public PositionRecord TakeRecord() => _records.Take();

        public SlotNode TakeSlotNode(in UInt256 key, Versions versions)
        {
            SlotNode node = _slotNodes.Take();
            node.Key = key;
            node.Versions = versions;
            return node;
        }

        /// <summary>Empties the maps and keeps the set for the next block: only once nothing uses the memory any more.</summary>
        public void Return()
        {
            Versions.Return();
            SlotKeys.Return();
            _versions.Reset();
            _slotNodes.Reset();
            _chains.Reset();
            _records.Reset(static record => record.Release());
            lock (s_gate)
            {
                if (s_kept.Count < KeptSets)
                {
                    s_kept.Push(this);
                }
            }
        }
    }

    /// <summary>
    /// One version of a location. A slot's value and a credit's amount are kept in <see cref="Account"/>'s balance
    /// (an entry holds one of an account, a slot or a credit): 88 bytes a version instead of 120 with a word of its own.
    /// </summary>
    private struct Entry(int incarnation, bool isCredit, AccountValue account)
    {
        public readonly int Incarnation = incarnation;
        public readonly bool IsCredit = isCredit;
        public bool Estimate;
        public readonly AccountValue Account = account;

        /// <summary>A slot's value or a credit's amount.</summary>
        public readonly UInt256 Word => Account.Balance;
    }

    /// <summary>The writes to one location, sorted by position. Guarded by <see cref="Enter"/>.</summary>
    private sealed class Versions
    {
        // A spin gate of its own rather than a Lock object per location (40 bytes each, thousands per block) or the
        // instance's monitor (whose enter took its slow path on every read): every section it guards is a few
        // array operations, so a waiter spins, then yields its core to a preempted holder.
        private int _gate;

        // Most locations of a block (a sender's account, a recipient's, a holder's slot) get one write: it is kept
        // here, and the arrays are allocated only for a second (two arrays per location were two of the three
        // objects a location cost, ~150 of its ~190 bytes, all living to the block's end).
        private int _firstPosition;
        private Entry _first;
        private int[]? _positions;
        private Entry[]? _entries;
        private int _count;

        /// <summary>Empties versions taken from the pool (as a new instance is).</summary>
        public void Clear()
        {
            _gate = 0;
            _firstPosition = 0;
            _first = default;
            _positions = null;
            _entries = null;
            _count = 0;
        }

        /// <summary>Takes the gate until the scope is disposed.</summary>
        public GateScope Enter()
        {
            if (Interlocked.CompareExchange(ref _gate, 1, 0) != 0)
            {
                var spin = default(SpinWait);
                do
                {
                    spin.SpinOnce();
                }
                while (Volatile.Read(ref _gate) != 0 || Interlocked.CompareExchange(ref _gate, 1, 0) != 0);
            }

            return new GateScope(this);
        }

        public int PositionAt(int index) => _positions is null ? _firstPosition : _positions[index];

        public ref readonly Entry At(int index) => ref _entries is null ? ref _first : ref _entries[index];

        /// <summary>The index of the latest write below <paramref name="position"/>; -1 when none.</summary>
        public int LastBelow(int position)
        {
            if (_positions is null)
            {
                return _count == 1 && _firstPosition < position ? 0 : -1;
            }

            int index = Array.BinarySearch(_positions, 0, _count, position);
            return (index >= 0 ? index : ~index) - 1;
        }

        public void Set(int position, in Entry entry)
        {
            if (_positions is null)
            {
                if (_count == 0 || _firstPosition == position)
                {
                    _firstPosition = position;
                    _first = entry;
                    _count = 1;
                    return;
                }

                _positions = [_firstPosition, 0];
                _entries = [_first, default];
            }

            int index = Array.BinarySearch(_positions, 0, _count, position);
            if (index >= 0)
            {
                _entries![index] = entry;
                return;
            }

            index = ~index;
            if (_count == _positions.Length)
            {
                Array.Resize(ref _positions, _count * 2);
                Array.Resize(ref _entries, _count * 2);
            }

            Array.Copy(_positions, index, _positions, index + 1, _count - index);
            Array.Copy(_entries!, index, _entries!, index + 1, _count - index);
            _positions[index] = position;
            _entries![index] = entry;
            _count++;
        }

        public void Remove(int position)
        {
            if (_positions is null)
            {
                if (_count == 1 && _firstPosition == position)
                {
                    _count = 0;
                }

                return;
            }

            int index = Array.BinarySearch(_positions, 0, _count, position);
            if (index < 0)
            {
                return;
            }

            Array.Copy(_positions, index + 1, _positions, index, _count - index - 1);
            Array.Copy(_entries!, index + 1, _entries!, index, _count - index - 1);
            _count--;
        }

        /// <summary>Holds a location's gate: <c>using (versions.Enter()) { … }</c>.</summary>
        public readonly ref struct GateScope
        {
            private readonly Versions _versions;

            public GateScope(Versions versions) => _versions = versions;

            public void Dispose() => Volatile.Write(ref _versions._gate, 0);
        }

        public void MarkEstimate(int position)
        {
            if (_positions is null)
            {
                if (_count == 1 && _firstPosition == position)
                {
                    _first.Estimate = true;
                }

                return;
            }

            int index = Array.BinarySearch(_positions, 0, _count, position);
            if (index >= 0)
            {
                _entries![index].Estimate = true;
            }
        }
    }
}

/// <summary>
/// The distinct addresses some positions of a block changed, in address order, and the code they deployed: what the
/// block's net changes are computed for (<see cref="MultiVersionMemory.ChangedAccounts"/>).
/// </summary>
internal sealed class ChangedAccounts(int capacity)
{
    private const int RecentlyGatheredSlots = 16;

    private readonly List<Address> _addresses = new(capacity);
    private readonly Dictionary<Hash256, byte[]> _deployed = [];
    private readonly Address[] _recent = new Address[RecentlyGatheredSlots];
    private readonly bool[] _recentFilled = new bool[RecentlyGatheredSlots];

    public int Count => _addresses.Count;

    public Address this[int index] => _addresses[index];

    /// <summary>Adds the addresses and code of a position's record (then <see cref="SortDistinct"/>).</summary>
    public void Gather(PositionRecord record)
    {
        // Nearly every record names the accounts every transaction changes (the coinbase, a token contract) besides its
        // own: an address already in its slot of a small direct-mapped table of those gathered is left out here rather
        // than sorted with the rest (a token transfer block's sort was of three times the distinct addresses). Only a
        // shortcut: SortDistinct drops whatever repeats get past it.
        foreach (ref readonly Address address in record.Changed.AsSpan())
        {
            int slot = address.GetHashCode() & (RecentlyGatheredSlots - 1);
            if (_recentFilled[slot] && _recent[slot] == address)
            {
                continue;
            }

            _recent[slot] = address;
            _recentFilled[slot] = true;
            _addresses.Add(address);
        }

        foreach (KeyValuePair<Hash256, byte[]> deployment in record.Code)
        {
            _deployed[deployment.Key] = deployment.Value;
        }
    }

    /// <summary>Adds the addresses and code of one more position's record to the sorted, distinct addresses.</summary>
    public void Include(PositionRecord record)
    {
        foreach (Address address in record.Changed.AsSpan())
        {
            int index = _addresses.BinarySearch(address);
            if (index < 0)
            {
                _addresses.Insert(~index, address);
            }
        }

        foreach (KeyValuePair<Hash256, byte[]> deployment in record.Code)
        {
            _deployed[deployment.Key] = deployment.Value;
        }
    }

    /// <summary>Sorts the addresses and drops repeats.</summary>
    public void SortDistinct()
    {
        _addresses.Sort();
        int kept = 0;
        for (int i = 0; i < _addresses.Count; i++)
        {
            if (kept == 0 || _addresses[i] != _addresses[kept - 1])
            {
                _addresses[kept++] = _addresses[i];
            }
        }

        _addresses.RemoveRange(kept, _addresses.Count - kept);
    }

    /// <summary>The code of <paramref name="codeHash"/> if a position deployed it.</summary>
    public byte[]? Deployed(in Hash256 codeHash) => _deployed.TryGetValue(codeHash, out byte[]? code) ? code : null;
}

/// <summary>The net changes of one range of a block's changed accounts (<see cref="MultiVersionMemory.AccountChanges"/>).</summary>
/// <param name="accounts">The accounts the range holds: one change each.</param>
internal sealed class NetChangePart(int accounts)
{
    public List<AccountChange> Accounts { get; } = new(accounts);

    public List<KeyValuePair<Hash256, byte[]>> Code { get; } = [];
}

/// <summary>
/// What one incarnation at a position read, wrote and produced. A block's records are taken from the memory's pooled
/// set (<see cref="MultiVersionMemory.NewRecord"/>), so a record is valid until the memory is returned: what outlives
/// the block (<see cref="Result"/>, <see cref="LogsBloom"/>, <see cref="Addresses"/>) is read out of it before.
/// </summary>
internal sealed class PositionRecord
{
    /// <summary>What the incarnation read, in a worker's arena (valid until the block ends).</summary>
    public ArraySegment<VersionedRead> Reads { get; private set; }

    /// <summary>What it wrote, in a worker's arena (valid until the block ends).</summary>
    public ArraySegment<VersionedWrite> Writes { get; private set; }

    /// <summary>Code deployed, by hash.</summary>
    public IReadOnlyList<KeyValuePair<Hash256, byte[]>> Code { get; private set; } = [];

    /// <summary>Every address the incarnation changed (the sequential world state's dirty set), credited ones included; possibly more than once.</summary>
    public ArraySegment<Address> Changed { get; private set; }

    /// <summary>The transaction's outcome: its result, or the exception it ended with (rethrown if it is final).</summary>
    public Transactions.TransactionResult? Result { get; private set; }

    public System.Runtime.ExceptionServices.ExceptionDispatchInfo? Failure { get; private set; }

    /// <summary>The bloom of <see cref="Result"/>'s logs, computed by the worker that executed it.</summary>
    public LogsBloom? LogsBloom { get; set; }

    /// <summary>What the incarnation's frames touched and created, when the block collects its address-index entries (<see cref="Blocks.BlockInput.CollectAddresses"/>).</summary>
    public Blocks.TransactionAddresses? Addresses { get; set; }

    /// <summary>Sets every field, as a new record has them (a pooled record comes back as its previous block left it).</summary>
    public PositionRecord Set(
        ArraySegment<VersionedRead> reads,
        ArraySegment<VersionedWrite> writes,
        IReadOnlyList<KeyValuePair<Hash256, byte[]>> code,
        ArraySegment<Address> changed,
        Transactions.TransactionResult? result,
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? failure)
    {
        Reads = reads;
        Writes = writes;
        Code = code;
        Changed = changed;
        Result = result;
        Failure = failure;
        LogsBloom = null;
        Addresses = null;
        return this;
    }

    /// <summary>Lets go of everything the record holds (its block is done; the shell is kept for the next one).</summary>
    public void Release() => Set(default, default, [], default, null, null);

    /// <summary>The distinct locations written.</summary>
    public HashSet<Location> Locations()
    {
        var locations = new HashSet<Location>(Writes.Count);
        foreach (VersionedWrite write in Writes)
        {
            locations.Add(write.Location);
        }

        return locations;
    }
}
