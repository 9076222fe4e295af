using LightningDB;

namespace Hyperion.State.MetisDb;

/// <summary>
/// A consistent read view of one block: an LMDB read transaction (an MVCC snapshot that never blocks the writer)
/// plus the shared hot cache. One snapshot is used by one thread at a time; open one per reader thread.
/// </summary>
public sealed class MetisSnapshot : IDisposable
{
    private readonly MetisStore _store;
    private readonly LightningTransaction _transaction;
    private LightningCursor? _accountCursor;
    private LightningCursor? _storageCursor;

    internal MetisSnapshot(MetisStore store, LightningTransaction transaction, ulong block)
    {
        _store = store;
        _transaction = transaction;
        Block = block;
    }

    public ulong Block { get; }

    public bool TryGetAccount(in Key32 addressHash, out MetisAccount account)
    {
        MetisHotCache.AccountEntry entry = GetAccountEntry(addressHash);
        account = entry.Account;
        return entry.Exists;
    }

    /// <summary>Writes the 32-byte big-endian value of a slot (zero when unset or the account is absent).</summary>
    public void GetStorage(in Key32 addressHash, in Key32 slotHash, Span<byte> value32)
    {
        GetStorage(addressHash, slotHash).CopyTo(value32);
    }

    public Key32 GetStorage(in Key32 addressHash, in Key32 slotHash)
    {
        MetisHotCache.AccountEntry account = GetAccountEntry(addressHash);
        if (!account.Exists)
        {
            return default;
        }

        var key = new MetisHotCache.SlotKey(addressHash, account.Incarnation, slotHash);
        MetisHotCache cache = _store.Cache;
        if (cache.TryGetSlot(key, Block, out MetisHotCache.SlotEntry cached))
        {
            return cached.Value;
        }

        _storageCursor ??= _transaction.CreateCursor(_store.StorageTable);
        Span<byte> seek = stackalloc byte[MetisKeys.StorageKeyLength];
        MetisKeys.Storage(seek, addressHash, account.Incarnation, slotHash, Block);
        Span<byte> value32 = stackalloc byte[32];
        value32.Clear();
        ulong version = 0;
        if (MetisVersionedScan.TrySeek(_storageCursor, seek, out ReadOnlySpan<byte> value, out ulong found))
        {
            value.CopyTo(value32[(32 - value.Length)..]);
            version = found;
        }

        var result = new Key32(value32);
        if (_store.Head == Block)
        {
            lock (cache.Lock)
            {
                if (_store.Head == Block)
                {
                    cache.PutSlot(key, new MetisHotCache.SlotEntry(version, result));
                }
            }
        }

        return result;
    }

    /// <summary>The code stored under <paramref name="codeHash"/>, or null when unknown.</summary>
    public byte[]? GetCode(in Key32 codeHash)
    {
        Span<byte> key = stackalloc byte[32];
        codeHash.CopyTo(key);
        (MDBResultCode code, _, MDBValue value) = _transaction.Get(_store.CodeTable, key);
        return code == MDBResultCode.Success ? value.CopyToNewArray() : null;
    }

    private MetisHotCache.AccountEntry GetAccountEntry(in Key32 addressHash)
    {
        MetisHotCache cache = _store.Cache;
        if (cache.TryGetAccount(addressHash, Block, out MetisHotCache.AccountEntry cached))
        {
            return cached;
        }

        _accountCursor ??= _transaction.CreateCursor(_store.AccountsTable);
        Span<byte> seek = stackalloc byte[MetisKeys.AccountKeyLength];
        MetisKeys.Account(seek, addressHash, Block);
        MetisHotCache.AccountEntry entry;
        if (MetisVersionedScan.TrySeek(_accountCursor, seek, out ReadOnlySpan<byte> record, out ulong version))
        {
            bool exists = MetisAccount.TryRead(record, out MetisAccount account, out ulong incarnation);
            entry = new MetisHotCache.AccountEntry(version, exists, account, incarnation);
        }
        else
        {
            entry = new MetisHotCache.AccountEntry(0, false, default, 0);
        }

        if (_store.Head == Block)
        {
            lock (cache.Lock)
            {
                if (_store.Head == Block)
                {
                    cache.PutAccount(addressHash, entry);
                }
            }
        }

        return entry;
    }

    public void Dispose()
    {
        _accountCursor?.Dispose();
        _storageCursor?.Dispose();
        _transaction.Dispose();
    }
}
