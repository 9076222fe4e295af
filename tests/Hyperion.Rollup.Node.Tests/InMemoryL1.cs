using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.Node.L1;
using Hyperion.Trie;

namespace Hyperion.Rollup.Node.Tests;

/// <summary>
/// An L1 in memory: a canonical chain of blocks built from Core types (transactions, and receipts carrying the logs
/// given), blobs by versioned hash, a finalized height, a reorg that replaces the chain after a height, and injected
/// read failures.
/// </summary>
internal sealed class InMemoryL1 : IL1Source
{
    public const ulong BlockTime = 2;

    private readonly object _lock = new();
    private readonly List<L1Block> _chain = [];
    private readonly Dictionary<Hash256, L1Block> _byHash = [];
    private readonly Dictionary<Hash256, byte[]> _blobs = [];
    private byte _fork;

    public InMemoryL1(ulong genesisTime)
    {
        Append(new L1Block(Header(Hash256.Zero, 0, genesisTime, []), [], []));
    }

    public BlockHeader Genesis => _chain[0].Header;

    public BlockHeader Head
    {
        get
        {
            lock (_lock)
            {
                return _chain[^1].Header;
            }
        }
    }

    /// <summary>The finalized height (null: none).</summary>
    public ulong? FinalizedNumber { get; set; }

    /// <summary>The next this many reads throw <see cref="L1SourceException"/>.</summary>
    public int FailingReads { get; set; }

    /// <summary>Reads served so far.</summary>
    public int Reads { get; private set; }

    /// <summary>Mines a block with <paramref name="transactions"/> and one receipt per transaction (plus one carrying <paramref name="logs"/>).</summary>
    public BlockHeader Mine(IReadOnlyList<Transaction>? transactions = null, IReadOnlyList<Log>? logs = null, IReadOnlyList<byte[]>? blobs = null)
    {
        lock (_lock)
        {
            BlockHeader parent = _chain[^1].Header;
            transactions ??= [];
            List<Receipt> receipts = [.. transactions.Select(t => new Receipt { Type = t.Type, Success = true })];
            if (logs is { Count: > 0 })
            {
                receipts.Add(new Receipt { Type = TransactionType.DynamicFee, Success = true, Logs = logs });
            }

            foreach (byte[] blob in blobs ?? [])
            {
                _blobs[VersionedHash(blob)] = blob;
            }

            BlockHeader header = Header(parent.Hash, parent.Number + 1, parent.Timestamp + BlockTime, transactions);
            Append(new L1Block(header, transactions, receipts));
            return header;
        }
    }

    /// <summary>Drops every block after <paramref name="number"/>; blocks mined next are a different fork.</summary>
    public void Reorg(ulong number)
    {
        lock (_lock)
        {
            _chain.RemoveRange((int)number + 1, _chain.Count - (int)number - 1);
            _fork++;
        }
    }

    /// <summary>The versioned hash this L1 files a blob under (the real L1 source checks KZG commitments; here only identity matters).</summary>
    public static Hash256 VersionedHash(byte[] blob)
    {
        byte[] hash = Keccak256.Hash(blob).ToArray();
        hash[0] = 1;
        return new Hash256(hash);
    }

    public Task<BlockHeader?> HeaderByNumberAsync(ulong number, CancellationToken cancellation) =>
        Read(() => number < (ulong)_chain.Count ? _chain[(int)number].Header : null);

    public Task<BlockHeader?> HeaderByHashAsync(Hash256 hash, CancellationToken cancellation) =>
        Read(() => _byHash.TryGetValue(hash, out L1Block? block) ? block.Header : null);

    public Task<BlockHeader?> HeaderAsync(L1Head head, CancellationToken cancellation) => Read(() => head switch
    {
        L1Head.Latest => _chain[^1].Header,
        _ => FinalizedNumber is ulong n && n < (ulong)_chain.Count ? _chain[(int)n].Header : null,
    });

    public Task<IReadOnlyList<Transaction>> TransactionsAsync(BlockHeader header, CancellationToken cancellation) =>
        Read(() => Block(header).Transactions);

    public Task<IReadOnlyList<Receipt>> ReceiptsAsync(BlockHeader header, CancellationToken cancellation) =>
        Read(() => Block(header).Receipts);

    public Task<IReadOnlyList<byte[]>> BlobsAsync(BlockHeader header, IReadOnlyList<Hash256> versionedHashes, CancellationToken cancellation) =>
        Read<IReadOnlyList<byte[]>>(() => [.. versionedHashes.Select(h => _blobs.TryGetValue(h, out byte[]? b) ? b : throw new L1SourceException($"no blob {h}"))]);

    private L1Block Block(BlockHeader header) =>
        _byHash.TryGetValue(header.Hash, out L1Block? block) ? block : throw new L1SourceException($"unknown L1 block {header.Hash}");

    private Task<T> Read<T>(Func<T> read)
    {
        lock (_lock)
        {
            Reads++;
            if (FailingReads > 0)
            {
                FailingReads--;
                throw new L1SourceException("injected L1 read failure");
            }

            return Task.FromResult(read());
        }
    }

    private void Append(L1Block block)
    {
        _chain.Add(block);
        _byHash[block.Header.Hash] = block;
    }

    private BlockHeader Header(Hash256 parent, ulong number, ulong timestamp, IReadOnlyList<Transaction> transactions) => new()
    {
        ParentHash = parent,
        Number = number,
        Timestamp = timestamp,
        GasLimit = 30_000_000,
        BaseFeePerGas = new UInt256(1_000_000_000),
        MixHash = Keccak256.Hash([_fork, .. BitConverter.GetBytes(number)]),
        ExtraData = new byte[] { _fork },
        TransactionsRoot = TrieRoot.OfList([.. transactions.Select(t => t.Envelope.ToArray())]),
        WithdrawalsRoot = Keccak256.EmptyTrieRoot,
        BlobGasUsed = 0,
        ExcessBlobGas = 0,
        ParentBeaconBlockRoot = Keccak256.Hash(BitConverter.GetBytes(number)),
    };

    private sealed record L1Block(BlockHeader Header, IReadOnlyList<Transaction> Transactions, IReadOnlyList<Receipt> Receipts);
}
