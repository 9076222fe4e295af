using System.Runtime.InteropServices;
using Hyperion.Core;

namespace Hyperion.Chain;

/// <summary>
/// The address index's entries in memory, for a node without a data directory: per address its positions in chain
/// order (blocks are added in order and dropped from the end, so adding is an append), per contract its latest
/// creation, and per block its entries (to drop them). Answers as the LMDB tables do: positions once each, in
/// (block, transaction) order; a creation overwritten by a later one, and forgotten with the block that made it.
/// </summary>
internal sealed class MemoryAddressIndexStore : IAddressIndexStore
{
    private readonly Dictionary<Address, List<TransactionPosition>> _positions = [];
    private readonly Dictionary<Address, ContractCreation> _creations = [];
    private readonly List<(Hash256 Hash, BlockEntries Entries)> _blocks = []; // block n at n - 1

    public AddressIndexCheckpoint Checkpoint { get; private set; }

    public IAddressIndexBatch Write() => new Batch(this);

    public void DropLast()
    {
        ulong number = Checkpoint.Block;
        if (number == 0)
        {
            throw new InvalidOperationException("the address index holds no block to drop");
        }

        BlockEntries entries = _blocks[^1].Entries;
        _blocks.RemoveAt(_blocks.Count - 1);
        foreach ((int index, Address address) in entries.Touched)
        {
            if (_positions.TryGetValue(address, out List<TransactionPosition>? positions))
            {
                int at = positions.BinarySearch(new TransactionPosition(number, index), PositionOrder.Instance);
                if (at >= 0)
                {
                    positions.RemoveAt(at);
                    if (positions.Count == 0)
                    {
                        _positions.Remove(address);
                    }
                }
            }
        }

        foreach ((_, Address contract, _) in entries.Created)
        {
            // An earlier creation of the same address is forgotten too, as in the LMDB tables.
            if (_creations.TryGetValue(contract, out ContractCreation creation) && creation.Transaction.Block == number)
            {
                _creations.Remove(contract);
            }
        }

        Checkpoint = new AddressIndexCheckpoint(number - 1, _blocks.Count > 0 ? _blocks[^1].Hash : default, Checkpoint.Untraced - (entries.Traced ? 0 : 1));
    }

    public void Scan(Address address, ulong block, bool before, Func<TransactionPosition, bool> visit)
    {
        if (!_positions.TryGetValue(address, out List<TransactionPosition>? positions))
        {
            return;
        }

        // The first position at or after (start block, transaction 0): index 0 is the least, so it is never found.
        ulong start = before ? block : unchecked(block + 1);
        int first = ~positions.BinarySearch(new TransactionPosition(start, -1), PositionOrder.Instance);
        if (before)
        {
            for (int i = first - 1; i >= 0 && visit(positions[i]); i--)
            {
            }
        }
        else
        {
            for (int i = first; i < positions.Count && visit(positions[i]); i++)
            {
            }
        }
    }

    public ContractCreation? Creator(Address contract) => _creations.TryGetValue(contract, out ContractCreation creation) ? creation : null;

    public void Clear()
    {
        _positions.Clear();
        _creations.Clear();
        _blocks.Clear();
        Checkpoint = default;
    }

    public void Dispose()
    {
    }

    private void Add(ulong number, Hash256 hash, BlockEntries entries)
    {
        if (number != (ulong)_blocks.Count + 1)
        {
            throw new InvalidOperationException($"the address index holds blocks 1 to {_blocks.Count}: block {number} cannot come next");
        }

        _blocks.Add((hash, entries));
        foreach ((int index, Address address) in entries.Touched)
        {
            var position = new TransactionPosition(number, index);
            List<TransactionPosition> positions = CollectionsMarshal.GetValueRefOrAddDefault(_positions, address, out _) ??= [];
            if (positions.Count == 0 || PositionOrder.Instance.Compare(positions[^1], position) < 0)
            {
                positions.Add(position); // the usual case: a block's transactions come in order
            }
            else if (positions.BinarySearch(position, PositionOrder.Instance) is var at and < 0)
            {
                positions.Insert(~at, position);
            }
        }

        foreach ((int index, Address contract, Address creator) in entries.Created)
        {
            _creations[contract] = new ContractCreation(new TransactionPosition(number, index), creator);
        }
    }

    private sealed class PositionOrder : IComparer<TransactionPosition>
    {
        public static readonly PositionOrder Instance = new();

        public int Compare(TransactionPosition x, TransactionPosition y)
        {
            int byBlock = x.Block.CompareTo(y.Block);
            return byBlock != 0 ? byBlock : x.Index.CompareTo(y.Index);
        }
    }

    /// <summary>Blocks waiting for their commit: a batch that fails partway keeps only what it committed, as an LMDB transaction.</summary>
    private sealed class Batch(MemoryAddressIndexStore store) : IAddressIndexBatch
    {
        private readonly List<(ulong Number, Hash256 Hash, BlockEntries Entries)> _pending = [];

        public void Add(ulong number, Hash256 hash, BlockEntries entries) => _pending.Add((number, hash, entries));

        public void Commit(AddressIndexCheckpoint last)
        {
            foreach ((ulong number, Hash256 hash, BlockEntries entries) in _pending)
            {
                store.Add(number, hash, entries);
            }

            _pending.Clear();
            store.Checkpoint = last;
        }

        public void Dispose() => _pending.Clear();
    }
}
