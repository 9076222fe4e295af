using System.Security.Cryptography;
using Hyperion.Core;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.Batcher;
using Hyperion.Rollup.Blobs;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.Derivation;

namespace Hyperion.Rollup.Node.Batcher;

/// <summary>How batches are posted: as calldata to the batch inbox, as EIP-4844 blobs, or whichever costs less now.</summary>
public enum DataAvailability
{
    Calldata,
    Blobs,
    Auto,
}

/// <summary>Singular batches (one per L2 block), or one span batch per channel (Delta).</summary>
public enum BatchKind
{
    Singular,
    Span,
}

/// <summary>
/// One channel being filled with consecutive L2 blocks: each block becomes a singular batch, or all of them one span
/// batch; the channel is full when its compressed data would pass the target size. Then it is cut into the batcher
/// transactions of a data-availability mode: one frame per calldata transaction, or one frame per blob.
/// </summary>
public sealed class ChannelBuilder
{
    /// <summary>op-batcher's default largest calldata transaction (geth's pool takes up to 128 KiB).</summary>
    public const int DefaultMaxCalldataSize = 120_000;

    private readonly RollupConfig _config;
    private readonly CompressionAlgorithm _compression;
    private readonly BatchKind _kind;
    private readonly int _targetSize;
    private readonly ulong _maxRlpBytes;
    private readonly List<L2Block> _blocks = [];
    private readonly List<SingularBatch> _batches = [];
    private ChannelOut _out;
    private CompressedSizeBound _spanSizeBound;

    /// <param name="targetCompressedSize">Compressed bytes the channel should not exceed (the first block is always taken).</param>
    /// <param name="l1Time">The L1 time the channel will be read at (selects MAX_RLP_BYTES_PER_CHANNEL).</param>
    public ChannelBuilder(RollupConfig config, CompressionAlgorithm compression, BatchKind kind, int targetCompressedSize, ulong l1Time)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfLessThan(targetCompressedSize, 1);
        if (compression == CompressionAlgorithm.Brotli && !config.IsFjord(l1Time))
        {
            throw new InvalidOperationException("brotli channels are read only from Fjord on: the rollup config does not activate Fjord at the current L1 time");
        }

        _config = config;
        _compression = compression;
        _kind = kind;
        _targetSize = targetCompressedSize;
        _maxRlpBytes = config.MaxRlpBytesPerChannel(l1Time);
        Id = NewId();
        _out = new ChannelOut(Id, compression, _maxRlpBytes, targetCompressedSize);
    }

    public ChannelId Id { get; }

    public IReadOnlyList<L2Block> Blocks => _blocks;

    public bool IsEmpty => _blocks.Count == 0;

    /// <summary>The compressed channel data.</summary>
    public byte[] Compressed => _out.Compressed;

    /// <summary>A singular batch of an L2 block: its parent, epoch, time, and its transactions other than deposits.</summary>
    public static SingularBatch BatchOf(L2Block block)
    {
        ArgumentNullException.ThrowIfNull(block);
        return new SingularBatch(
            block.Ref.ParentHash, block.Ref.L1Origin.Number, block.Ref.L1Origin.Hash, block.Ref.Time,
            [.. block.Transactions.Where(t => t.Type != TransactionType.Deposit).Select(t => t.Envelope)]);
    }

    /// <summary>
    /// Adds the next L2 block; false, leaving the channel as it was, when the block would overfill it.
    /// </summary>
    /// <exception cref="ArgumentException">The block does not extend the last one added.</exception>
    /// <exception cref="InvalidOperationException">A span batch before Delta.</exception>
    public bool TryAdd(L2Block block)
    {
        ArgumentNullException.ThrowIfNull(block);
        if (_blocks.Count > 0 && (block.Ref.ParentHash != _blocks[^1].Ref.Hash || block.Ref.Number != _blocks[^1].Ref.Number + 1))
        {
            throw new ArgumentException($"L2 block {block.Ref.Number} does not extend block {_blocks[^1].Ref.Number} of the channel", nameof(block));
        }

        SingularBatch batch = BatchOf(block);
        if (_kind == BatchKind.Singular)
        {
            if (!_out.TryAddBatch(batch.Encode()))
            {
                return false;
            }
        }
        else
        {
            if (!_config.IsDelta(block.Ref.Time))
            {
                throw new InvalidOperationException($"span batches are valid only from Delta on: L2 block {block.Ref.Number} (time {block.Ref.Time}) is before it");
            }

            // A span batch is re-encoded whole with every block added (its fields are columns, not appendable).
            SpanBatch span = SpanBatch.FromSingularBatches([.. _batches, batch], _blocks.Count > 0 ? _blocks[0].Ref.SequenceNumber : block.Ref.SequenceNumber);
            var candidate = new ChannelOut(Id, _compression, _maxRlpBytes, _targetSize);
            if (!candidate.TryAddBatch(span.Encode(_config.GenesisL2Time, _config.BlockTime, _config.L2ChainId)))
            {
                return false;
            }

            if (_blocks.Count > 0 && !_spanSizeBound.CertainlyFits(candidate.RlpLength, _targetSize))
            {
                int size = candidate.Compressed.Length;
                if (size > _targetSize)
                {
                    return false;
                }

                _spanSizeBound.RecordExact(candidate.RlpLength, size);
            }

            _out = candidate;
        }

        _blocks.Add(block);
        _batches.Add(batch);
        return true;
    }

    /// <summary>Calldata transactions: each one frame (version byte 0 then the frame), at most <paramref name="maxCalldataSize"/> bytes.</summary>
    public IReadOnlyList<TxCandidate> CalldataTransactions(int maxCalldataSize = DefaultMaxCalldataSize) =>
        [.. _out.ToFrames(maxCalldataSize - 1).Select(f => new TxCandidate(Frame.EncodeBatcherData([f]), []))];

    /// <summary>Blob transactions: one frame per blob, up to <paramref name="blobsPerTransaction"/> blobs each.</summary>
    public IReadOnlyList<TxCandidate> BlobTransactions(int blobsPerTransaction)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blobsPerTransaction, 1);
        IReadOnlyList<byte[]> blobs = _out.ToBlobs();
        return [.. blobs.Chunk(blobsPerTransaction).Select(c => new TxCandidate(ReadOnlyMemory<byte>.Empty, c))];
    }

    /// <summary>The compressed size a channel may have so that it fits one transaction of the mode.</summary>
    public static int TargetSize(DataAvailability mode, int maxCalldataSize, int blobsPerTransaction) => mode switch
    {
        DataAvailability.Blobs => blobsPerTransaction * (ChannelOut.MaxFrameSizePerBlob - Frame.Overhead),
        // Auto: a channel that fits one calldata transaction also fits one blob, so either can carry it.
        _ => maxCalldataSize - 1 - Frame.Overhead,
    };

    private static ChannelId NewId()
    {
        Span<byte> bytes = stackalloc byte[ChannelId.Size];
        RandomNumberGenerator.Fill(bytes);
        return ChannelId.FromBytes(bytes);
    }
}

/// <summary>The choice of <see cref="DataAvailability.Auto"/>: the mode whose transactions cost less at current L1 prices.</summary>
public static class DataAvailabilityChoice
{
    /// <summary>
    /// Calldata costs its intrinsic gas at the base fee plus tip; blobs cost a bare transaction plus 131,072 blob gas
    /// per blob at the blob base fee. Ties go to calldata (no KZG work, no blob pool).
    /// </summary>
    public static DataAvailability Cheaper(IReadOnlyList<TxCandidate> calldata, IReadOnlyList<TxCandidate> blobs, in UInt256 baseFee, in UInt256 tip, in UInt256 blobBaseFee)
    {
        ArgumentNullException.ThrowIfNull(calldata);
        ArgumentNullException.ThrowIfNull(blobs);
        UInt256 gasPrice = baseFee + tip;
        UInt256 calldataCost = UInt256.Zero;
        foreach (TxCandidate tx in calldata)
        {
            calldataCost += gasPrice * CalldataGas(tx.Calldata.Span);
        }

        UInt256 blobCost = UInt256.Zero;
        foreach (TxCandidate tx in blobs)
        {
            blobCost += (gasPrice * 21_000UL) + (blobBaseFee * ((ulong)tx.Blobs.Count * Core.Blocks.BlobGas.GasPerBlob));
        }

        return blobCost < calldataCost ? DataAvailability.Blobs : DataAvailability.Calldata;
    }

    /// <summary>21,000 plus 16 gas per non-zero and 4 per zero byte (EIP-2028).</summary>
    public static ulong CalldataGas(ReadOnlySpan<byte> data)
    {
        ulong gas = 21_000;
        foreach (byte b in data)
        {
            gas += b == 0 ? 4UL : 16UL;
        }

        return gas;
    }
}
