using LightningDB;

namespace Hyperion.MetisDb;

/// <summary>
/// A few named LMDB tables whose values carry the checksum of <see cref="MetisEntrySeal"/> (checked on every read), for
/// data derived from another record and rebuilt from it when damaged (the chain's block and transaction index). A
/// write batch commits atomically, so a kill -9 at any moment leaves the last committed batch. Opened without fsync
/// per commit: a machine crash may lose the last batches (the owner catches up from its record), never mix them.
/// </summary>
public sealed class SealedTables : IDisposable
{
    private readonly LightningEnvironment _environment;
    private readonly LightningDatabase[] _tables;

    static SealedTables() => LmdbNativeLibrary.EnsureResolver();

    private SealedTables(LightningEnvironment environment, LightningDatabase[] tables)
    {
        _environment = environment;
        _tables = tables;
    }

    public string Directory => _environment.Path;

    /// <summary>Opens (or creates) the tables named <paramref name="names"/> in <paramref name="directory"/>.</summary>
    /// <exception cref="InvalidDataException">The data file is truncated or not LMDB's, or LMDB refuses it.</exception>
    public static SealedTables Open(string directory, IReadOnlyList<string> names)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(names);
        System.IO.Directory.CreateDirectory(directory);
        MetisDataFile.CheckBeforeMapping(directory);
        var environment = new LightningEnvironment(directory, new EnvironmentConfiguration { MapSize = 1L << 36, MaxDatabases = names.Count, MaxReaders = 512 });
        try
        {
            environment.Open(EnvironmentOpenFlags.NoThreadLocalStorage | EnvironmentOpenFlags.NoReadAhead | EnvironmentOpenFlags.NoSync);
            environment.CheckStaleReaders();
            var tables = new LightningDatabase[names.Count];
            using (LightningTransaction transaction = environment.BeginTransaction())
            {
                for (int i = 0; i < names.Count; i++)
                {
                    tables[i] = transaction.OpenDatabase(names[i], new DatabaseConfiguration { Flags = DatabaseOpenFlags.Create });
                }

                transaction.Commit().ThrowOnError();
            }

            return new SealedTables(environment, tables);
        }
        catch (LightningException exception)
        {
            environment.Dispose();
            throw new InvalidDataException($"cannot open the tables in {directory}: {exception.Message}", exception);
        }
        catch
        {
            environment.Dispose();
            throw;
        }
    }

    /// <summary>Deletes the tables' directory (to rebuild them).</summary>
    public static void Delete(string directory)
    {
        if (System.IO.Directory.Exists(directory))
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The value under <paramref name="key"/> in table <paramref name="table"/>, or null.</summary>
    /// <exception cref="InvalidDataException">The entry fails its checksum, or LMDB reports its pages damaged.</exception>
    public byte[]? Get(int table, ReadOnlySpan<byte> key)
    {
        try
        {
            using LightningTransaction transaction = _environment.BeginTransaction(TransactionBeginFlags.ReadOnly);
            (MDBResultCode code, _, MDBValue value) = transaction.Get(_tables[table], key);
            if (code == MDBResultCode.NotFound)
            {
                return null;
            }

            code.ThrowOnError();
            return MetisEntrySeal.Open(key, value.AsSpan()).ToArray();
        }
        catch (LightningException exception)
        {
            throw new InvalidDataException($"{Directory} is damaged: {exception.Message}", exception);
        }
    }

    /// <summary>Called per entry by <see cref="Scan"/>; returns whether to go on.</summary>
    public delegate bool EntryVisitor(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);

    /// <summary>
    /// Visits the entries of table <paramref name="table"/> in key order while <paramref name="visit"/> returns true:
    /// forward from the first key at or after <paramref name="from"/>, or backward from the last key before it.
    /// </summary>
    /// <exception cref="InvalidDataException">An entry fails its checksum, or LMDB reports its pages damaged.</exception>
    public void Scan(int table, ReadOnlySpan<byte> from, bool backward, EntryVisitor visit)
    {
        ArgumentNullException.ThrowIfNull(visit);
        try
        {
            using LightningTransaction transaction = _environment.BeginTransaction(TransactionBeginFlags.ReadOnly);
            using LightningCursor cursor = transaction.CreateCursor(_tables[table]);
            MDBResultCode code = cursor.SetRange(from);
            if (backward)
            {
                code = code == MDBResultCode.Success ? cursor.Previous().resultCode : cursor.Last().resultCode;
            }

            while (code == MDBResultCode.Success)
            {
                (code, MDBValue key, MDBValue value) = cursor.GetCurrent();
                code.ThrowOnError();
                if (!visit(key.AsSpan(), MetisEntrySeal.Open(key.AsSpan(), value.AsSpan())))
                {
                    return;
                }

                code = backward ? cursor.Previous().resultCode : cursor.Next().resultCode;
            }

            if (code != MDBResultCode.NotFound)
            {
                code.ThrowOnError();
            }
        }
        catch (LightningException exception)
        {
            throw new InvalidDataException($"{Directory} is damaged: {exception.Message}", exception);
        }
    }

    /// <summary>A write batch: nothing of it is visible, or survives a crash, until <see cref="Batch.Commit"/>.</summary>
    public Batch Write() => new(_environment.BeginTransaction(), _tables);

    public void Dispose()
    {
        foreach (LightningDatabase table in _tables)
        {
            table.Dispose();
        }

        _environment.Dispose();
    }

    public sealed class Batch : IDisposable
    {
        private readonly LightningTransaction _transaction;
        private readonly LightningDatabase[] _tables;

        internal Batch(LightningTransaction transaction, LightningDatabase[] tables)
        {
            _transaction = transaction;
            _tables = tables;
        }

        public void Put(int table, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        {
            Span<byte> sealedValue = value.Length <= 256 ? stackalloc byte[value.Length + MetisEntrySeal.Length] : new byte[value.Length + MetisEntrySeal.Length];
            int length = MetisEntrySeal.Seal(key, value, sealedValue);
            try
            {
                _transaction.Put(_tables[table], key, sealedValue[..length]).ThrowOnError();
            }
            catch (LightningException exception)
            {
                throw Damaged(exception);
            }
        }

        /// <summary>Removes the entry under <paramref name="key"/> (absent is fine).</summary>
        public void Delete(int table, ReadOnlySpan<byte> key)
        {
            try
            {
                MDBResultCode code = _transaction.Delete(_tables[table], key);
                if (code is not (MDBResultCode.Success or MDBResultCode.NotFound))
                {
                    code.ThrowOnError();
                }
            }
            catch (LightningException exception)
            {
                throw Damaged(exception);
            }
        }

        public void Commit()
        {
            try
            {
                _transaction.Commit().ThrowOnError();
            }
            catch (LightningException exception)
            {
                throw Damaged(exception);
            }
        }

        public void Dispose() => _transaction.Dispose();

        private InvalidDataException Damaged(LightningException exception) =>
            new($"{_transaction.Environment.Path}: {exception.Message}", exception);
    }
}
