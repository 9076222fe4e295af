using System.Buffers.Binary;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using LightningDB;

namespace Hyperion.MetisDb;

/// <summary>
/// The baseline MetisDB is benchmarked against (<c>hyperion bench state</c> and the BenchmarkDotNet cases): one LMDB
/// table, hashed address → the same 104 account bytes (nonce, balance, code hash, storage root), no versions, no
/// root. Not used by the node.
/// </summary>
public sealed class PlainLmdbTable : IDisposable
{
    private const int RecordLength = 8 + 32 + 32 + 32;

    private readonly LightningEnvironment _environment;
    private readonly LightningDatabase _table;
    private readonly string _directory;

    public PlainLmdbTable(string directory, bool durable)
    {
        MetisStore.EnsureNativeLibrary();
        _directory = directory;
        Directory.CreateDirectory(directory);
        _environment = new LightningEnvironment(directory, new EnvironmentConfiguration { MapSize = 1L << 40, MaxDatabases = 1 });
        _environment.Open(EnvironmentOpenFlags.NoThreadLocalStorage | EnvironmentOpenFlags.NoReadAhead
            | (durable ? EnvironmentOpenFlags.None : EnvironmentOpenFlags.NoSync));
        using LightningTransaction transaction = _environment.BeginTransaction();
        _table = transaction.OpenDatabase("accounts", new DatabaseConfiguration { Flags = DatabaseOpenFlags.Create });
        transaction.Commit().ThrowOnError();
    }

    public long BytesUsed => (_environment.Info.LastPageNumber + 1) * (long)_environment.EnvironmentStats.PageSize;

    public long BytesOnDisk => new FileInfo(Path.Combine(_directory, "data.mdb")).Length;

    /// <summary>Writes the accounts <paramref name="indices"/> of <paramref name="keys"/> in one transaction (one commit).</summary>
    public void Write(Hash256[] keys, IEnumerable<int> indices, ulong nonce, Func<int, UInt256> balance)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(balance);
        using LightningTransaction transaction = _environment.BeginTransaction();
        Span<byte> key = stackalloc byte[32];
        Span<byte> record = stackalloc byte[RecordLength];
        foreach (int i in indices)
        {
            keys[i].CopyTo(key);
            BinaryPrimitives.WriteUInt64BigEndian(record, nonce);
            balance(i).WriteBigEndian(record.Slice(8, 32));
            Keccak256.OfEmpty.CopyTo(record[40..]);
            Keccak256.EmptyTrieRoot.CopyTo(record[72..]);
            transaction.Put(_table, key, record).ThrowOnError();
        }

        transaction.Commit().ThrowOnError();
    }

    /// <summary>A read-only transaction to look accounts up in.</summary>
    public Reader OpenReader() => new(_environment.BeginTransaction(TransactionBeginFlags.ReadOnly), _table);

    public void Dispose()
    {
        _table.Dispose();
        _environment.Dispose();
    }

    public sealed class Reader(LightningTransaction transaction, LightningDatabase table) : IDisposable
    {
        private readonly byte[] _key = new byte[32];

        /// <summary>Whether the account is present (its bytes are read, as an account read would).</summary>
        public bool Contains(in Hash256 key)
        {
            key.CopyTo(_key);
            return transaction.Get(table, _key).resultCode == MDBResultCode.Success;
        }

        public void Dispose() => transaction.Dispose();
    }
}
