using System.Buffers.Binary;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Evm.Tracing;
using Hyperion.Execution.Blocks;
using Hyperion.State;

namespace Hyperion.Chain;

/// <summary>A transaction's place in the chain.</summary>
public readonly record struct TransactionPosition(ulong Block, int Index);

/// <summary>Who deployed a contract: the account that ran the creation (a transaction's sender or a factory contract).</summary>
public readonly record struct ContractCreation(TransactionPosition Transaction, Address Creator);

/// <summary>
/// Erigon's call-trace index, as Otterscan expects it: for each address the transactions that touched it as the
/// sender, the recipient or the creation of the transaction, or as the caller, callee, created contract or
/// self-destruct beneficiary of any internal frame (reverted frames included, as Erigon's); and for each contract its
/// creator. Blocks are indexed off the block producer's path: each added block is re-executed on a background thread
/// with a frames-only tracer (the VM runs its untraced loop between frames); a query first indexes the blocks the
/// thread has not reached, so answers are never behind the head. A block whose state is no longer kept (one the index
/// did not reach before it left the state window) is indexed from its transactions only (no internal frames).
/// With a data directory the index is kept in <see cref="FileName"/> there (one checksummed record per block,
/// appended), so a reopened chain does not re-execute its history; records that disagree with the block log (after a
/// crash, a rewind or a reset) are dropped and those blocks indexed again.
/// </summary>
public sealed class AddressIndex : IDisposable
{
    public const string FileName = "address-index";

    private const int ChecksumLength = 8;

    private readonly IChainReader _chain;
    private readonly object _lock = new();
    private readonly Dictionary<Address, List<TransactionPosition>> _byAddress = [];
    private readonly Dictionary<Address, ContractCreation> _creations = [];
    private readonly List<Hash256> _hashes = []; // of blocks 1..Indexed
    private readonly List<long> _offsets = []; // where each block's record starts in the file
    private readonly FileStream? _file;
    private readonly SemaphoreSlim _added = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _worker;
    private long _untraced;

    public AddressIndex(IChainReader chain, string? dataDirectory)
    {
        _chain = chain ?? throw new ArgumentNullException(nameof(chain));
        if (dataDirectory is not null)
        {
            _file = new FileStream(Path.Combine(dataDirectory, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            Load();
        }

        _chain.BlockAdded += OnBlockAdded;
        _worker = Task.Run(RunAsync);
        _added.Release(); // index what the chain already has
    }

    /// <summary>The last block indexed (0: none).</summary>
    public ulong Indexed
    {
        get { lock (_lock) { return (ulong)_hashes.Count; } }
    }

    /// <summary>Blocks indexed from their transactions only, because their state was no longer kept.</summary>
    public long UntracedBlocks => Interlocked.Read(ref _untraced);

    /// <summary>
    /// Up to <paramref name="limit"/> transactions of <paramref name="address"/>, whole blocks at a time (a block's
    /// transactions are never split, so more may come back): before block <paramref name="block"/> newest first, or
    /// after it oldest first. <paramref name="exhausted"/> says whether the search reached the end of the chain.
    /// </summary>
    public List<TransactionPosition> Search(Address address, ulong block, bool before, int limit, out bool exhausted)
    {
        CatchUp();
        lock (_lock)
        {
            var found = new List<TransactionPosition>();
            exhausted = true;
            if (!_byAddress.TryGetValue(address, out List<TransactionPosition>? positions))
            {
                return found;
            }

            if (before)
            {
                int i = LowerBound(positions, block) - 1;
                for (; i >= 0; i--)
                {
                    if (found.Count >= limit && positions[i].Block != found[^1].Block)
                    {
                        exhausted = false;
                        break;
                    }

                    found.Add(positions[i]);
                }
            }
            else
            {
                for (int i = LowerBound(positions, block + 1); i < positions.Count; i++)
                {
                    if (found.Count >= limit && positions[i].Block != found[^1].Block)
                    {
                        exhausted = false;
                        break;
                    }

                    found.Add(positions[i]);
                }
            }

            return found;
        }
    }

    /// <summary>The creation of <paramref name="contract"/> (the latest, should it have been created again); null when none is known.</summary>
    public ContractCreation? Creator(Address contract)
    {
        CatchUp();
        lock (_lock)
        {
            return _creations.TryGetValue(contract, out ContractCreation creation) ? creation : null;
        }
    }

    /// <summary>Indexes the chain's blocks up to its head (after dropping those the chain no longer has).</summary>
    public void CatchUp()
    {
        lock (_lock)
        {
            while (_hashes.Count > 0 && _chain.Blocks.GetBlockHash((ulong)_hashes.Count) != _hashes[^1])
            {
                DropFrom((ulong)_hashes.Count);
            }

            while (_chain.Blocks.GetByNumber((ulong)_hashes.Count + 1) is { } next)
            {
                Add(next, Entries(next));
            }
        }
    }

    public void Dispose()
    {
        _chain.BlockAdded -= OnBlockAdded;
        _stop.Cancel();
        try { _worker.Wait(); } catch (AggregateException) { } // the worker's failures are not the caller's
        _stop.Dispose();
        _added.Dispose();
        _file?.Dispose();
    }

    private void OnBlockAdded(BlockAddedEvent added) => _added.Release();

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _added.WaitAsync(_stop.Token).ConfigureAwait(false);
                CatchUp();
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or StateUnavailableException or InvalidBlockException)
            {
                // A block that cannot be indexed now (e.g. the chain rewound under the worker) is retried by the next query or block.
            }
        }
    }

    /// <summary>Per transaction, the addresses it touched, and the contracts it created with their creators.</summary>
    private BlockEntries Entries(StoredBlock block)
    {
        int count = block.Block.Transactions.Length;
        var touched = new List<(int, Address)>();
        var created = new List<(int, Address, Address)>();
        IStateReader? parent = count == 0 ? null : _chain.StateBefore(block.Number);
        if (parent is not null)
        {
            var collectors = new FrameCollector[count];
            BlockExecution execution = _chain.Executor.Simulate(
                new BlockInput(block.Header, []) { BlockHashes = _chain.Blocks }, parent, count,
                (i, _, _) => (block.Block.Transactions[i], block.Senders[i]),
                (i, _) => collectors[i] = new FrameCollector(),
                out _);
            if (execution.Transactions.Count == count && execution.Skipped.Count == 0)
            {
                for (int i = 0; i < count; i++)
                {
                    collectors[i].AddTo(i, touched, created);
                }

                return new BlockEntries(touched, created, Traced: true);
            }
        }

        for (int i = 0; i < count; i++)
        {
            var seen = new HashSet<Address>();
            foreach (Address? address in new[] { block.Senders[i], block.Block.Transactions[i].To, block.ContractAddress(i) })
            {
                if (address is { } a && seen.Add(a))
                {
                    touched.Add((i, a));
                }
            }

            if (block.ContractAddress(i) is { } contract && block.Receipts[i].Success)
            {
                created.Add((i, contract, block.Senders[i]));
            }
        }

        return new BlockEntries(touched, created, Traced: count == 0);
    }

    private void Add(StoredBlock block, BlockEntries entries)
    {
        if (_file is not null)
        {
            _offsets.Add(_file.Length);
            _file.Seek(0, SeekOrigin.End);
            byte[] record = Serialize(block.Number, block.Hash, entries);
            _file.Write(record);
            _file.Flush();
        }

        Apply(block.Number, block.Hash, entries);
    }

    private void Apply(ulong number, Hash256 hash, BlockEntries entries)
    {
        foreach ((int index, Address address) in entries.Touched)
        {
            if (!_byAddress.TryGetValue(address, out List<TransactionPosition>? positions))
            {
                _byAddress[address] = positions = [];
            }

            positions.Add(new TransactionPosition(number, index));
        }

        foreach ((int index, Address contract, Address creator) in entries.Created)
        {
            _creations[contract] = new ContractCreation(new TransactionPosition(number, index), creator);
        }

        if (!entries.Traced)
        {
            Interlocked.Increment(ref _untraced);
        }

        _hashes.Add(hash);
    }

    /// <summary>Forgets blocks <paramref name="number"/> and after (the chain no longer has them).</summary>
    private void DropFrom(ulong number)
    {
        foreach (List<TransactionPosition> positions in _byAddress.Values)
        {
            positions.RemoveAll(p => p.Block >= number);
        }

        foreach (Address contract in _creations.Where(c => c.Value.Transaction.Block >= number).Select(c => c.Key).ToList())
        {
            _creations.Remove(contract); // an earlier creation of the same address is forgotten too; rare enough (a rewind over a re-creation)
        }

        int keep = (int)(number - 1);
        if (_file is not null)
        {
            _file.SetLength(_offsets[keep]);
            _file.Flush();
            _offsets.RemoveRange(keep, _offsets.Count - keep);
        }

        _hashes.RemoveRange(keep, _hashes.Count - keep);
    }

    private static int LowerBound(List<TransactionPosition> positions, ulong block)
    {
        int low = 0;
        int high = positions.Count;
        while (low < high)
        {
            int middle = (low + high) >>> 1;
            if (positions[middle].Block < block)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    // Record: payload length (4) ‖ payload ‖ first 8 bytes of its Keccak-256. Payload: number (8) ‖ hash (32) ‖
    // traced (1) ‖ touched count (4) ‖ (tx (4) ‖ address (20))* ‖ created count (4) ‖ (tx (4) ‖ contract (20) ‖ creator (20))*.
    private static byte[] Serialize(ulong number, Hash256 hash, BlockEntries entries)
    {
        int payload = 8 + 32 + 1 + 4 + entries.Touched.Count * 24 + 4 + entries.Created.Count * 44;
        var record = new byte[4 + payload + ChecksumLength];
        var writer = new SpanWriter(record);
        writer.Int32(payload);
        writer.UInt64(number);
        writer.Bytes(hash.Bytes);
        writer.Byte(entries.Traced ? (byte)1 : (byte)0);
        writer.Int32(entries.Touched.Count);
        foreach ((int index, Address address) in entries.Touched)
        {
            writer.Int32(index);
            writer.Bytes(address.Bytes);
        }

        writer.Int32(entries.Created.Count);
        foreach ((int index, Address contract, Address creator) in entries.Created)
        {
            writer.Int32(index);
            writer.Bytes(contract.Bytes);
            writer.Bytes(creator.Bytes);
        }

        Keccak256.Hash(record.AsSpan(4, payload)).Bytes[..ChecksumLength].CopyTo(record.AsSpan(4 + payload));
        return record;
    }

    /// <summary>Reads the file's records while they are whole, checked and agree with the block log; truncates the rest.</summary>
    private void Load()
    {
        byte[] data = new byte[_file!.Length];
        _file.ReadExactly(data);
        long offset = 0;
        while (TryRead(data.AsSpan((int)offset), out int length, out ulong number, out Hash256 hash, out BlockEntries? entries)
            && number == (ulong)_hashes.Count + 1
            && _chain.Blocks.GetBlockHash(number) == hash) // the hash alone: a persistent chain reads it from its index, not the block log
        {
            _offsets.Add(offset);
            Apply(number, hash, entries!);
            offset += length;
        }

        if (offset < data.Length)
        {
            _file.SetLength(offset);
            _file.Flush();
        }
    }

    private static bool TryRead(ReadOnlySpan<byte> data, out int length, out ulong number, out Hash256 hash, out BlockEntries? entries)
    {
        length = 0;
        number = 0;
        hash = default;
        entries = null;
        if (data.Length < 4)
        {
            return false;
        }

        int payload = BinaryPrimitives.ReadInt32LittleEndian(data);
        if (payload < 8 + 32 + 1 + 8 || payload > data.Length - 4 - ChecksumLength
            || !Keccak256.Hash(data.Slice(4, payload)).Bytes[..ChecksumLength].SequenceEqual(data.Slice(4 + payload, ChecksumLength)))
        {
            return false;
        }

        ReadOnlySpan<byte> p = data.Slice(4, payload);
        number = BinaryPrimitives.ReadUInt64LittleEndian(p);
        hash = new Hash256(p.Slice(8, 32));
        bool traced = p[40] == 1;
        int at = 41;
        int touchedCount = BinaryPrimitives.ReadInt32LittleEndian(p[at..]);
        at += 4;
        if (touchedCount < 0 || (long)touchedCount * 24 > p.Length - at - 4)
        {
            return false;
        }

        var touched = new List<(int, Address)>(touchedCount);
        for (int i = 0; i < touchedCount; i++, at += 24)
        {
            touched.Add((BinaryPrimitives.ReadInt32LittleEndian(p[at..]), new Address(p.Slice(at + 4, 20))));
        }

        int createdCount = BinaryPrimitives.ReadInt32LittleEndian(p[at..]);
        at += 4;
        if (createdCount < 0 || (long)createdCount * 44 != p.Length - at)
        {
            return false;
        }

        var created = new List<(int, Address, Address)>(createdCount);
        for (int i = 0; i < createdCount; i++, at += 44)
        {
            created.Add((BinaryPrimitives.ReadInt32LittleEndian(p[at..]), new Address(p.Slice(at + 4, 20)), new Address(p.Slice(at + 24, 20))));
        }

        entries = new BlockEntries(touched, created, traced);
        length = 4 + payload + ChecksumLength;
        return true;
    }

    private sealed record BlockEntries(List<(int Index, Address Address)> Touched, List<(int Index, Address Contract, Address Creator)> Created, bool Traced);

    private ref struct SpanWriter(Span<byte> destination)
    {
        private readonly Span<byte> _destination = destination;
        private int _at;

        public void Int32(int value)
        {
            BinaryPrimitives.WriteInt32LittleEndian(_destination[_at..], value);
            _at += 4;
        }

        public void Byte(byte value) => _destination[_at++] = value;

        public void UInt64(ulong value)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(_destination[_at..], value);
            _at += 8;
        }

        public void Bytes(ReadOnlySpan<byte> value)
        {
            value.CopyTo(_destination[_at..]);
            _at += value.Length;
        }
    }

    /// <summary>
    /// One transaction's frames: every frame's caller and callee (the self-destruct beneficiary for SELFDESTRUCT), and
    /// the contracts created by frames that succeeded inside frames that all succeeded.
    /// </summary>
    private sealed class FrameCollector : FrameTracer
    {
        private readonly List<Address> _touched = [];
        private readonly HashSet<Address> _seen = [];
        private readonly Stack<(string Type, Address From, Address To, int Created)> _open = new();
        private readonly List<(Address Contract, Address Creator)> _created = [];

        public override void OnEnter(string type, Address from, Address to, in UInt256 value, ReadOnlySpan<byte> input, long gas, int depth)
        {
            Touch(from);
            Touch(to);
            _open.Push((type, from, to, _created.Count));
        }

        public override void OnExit(long gasUsed, ReadOnlySpan<byte> output, string? error, bool reverted)
        {
            (string type, Address from, Address to, int created) = _open.Pop();
            if (error is not null)
            {
                _created.RemoveRange(created, _created.Count - created); // a failed frame created nothing
            }
            else if (type is CallFrameTypes.Create or CallFrameTypes.Create2)
            {
                _created.Add((to, from));
            }
        }

        public void AddTo(int index, List<(int, Address)> touched, List<(int, Address, Address)> created)
        {
            touched.AddRange(_touched.Select(a => (index, a)));
            created.AddRange(_created.Select(c => (index, c.Contract, c.Creator)));
        }

        private void Touch(Address address)
        {
            if (_seen.Add(address))
            {
                _touched.Add(address);
            }
        }
    }
}
