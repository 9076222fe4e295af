using Hyperion.Core;
using Hyperion.Rollup.Config;

namespace Hyperion.Rollup.Derivation;

/// <summary>One L2 block of a span batch, in derived form: timestamp, L1 origin number and sequenced transactions.</summary>
public sealed record SpanBatchElement(ulong Timestamp, ulong EpochNumber, IReadOnlyList<ReadOnlyMemory<byte>> Transactions);

/// <summary>
/// A version-1 batch covering consecutive L2 blocks (delta/span-batches.md):
/// <c>0x01 ++ rel_timestamp ++ l1_origin_num ++ parent_check ++ l1_origin_check ++ block_count ++ origin_bits ++ block_tx_counts ++ txs</c>.
/// Held in derived form; encoding and decoding need the L2 genesis time, the block time and the L2 chain id.
/// </summary>
public sealed class SpanBatch : Batch
{
    public const int CheckLength = 20;

    public SpanBatch(ReadOnlyMemory<byte> parentCheck, ReadOnlyMemory<byte> l1OriginCheck, bool firstBlockChangesOrigin, IReadOnlyList<SpanBatchElement> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        if (parentCheck.Length != CheckLength || l1OriginCheck.Length != CheckLength)
        {
            throw new ArgumentException("parent and L1 origin checks are 20 bytes");
        }

        if (blocks.Count == 0)
        {
            throw new ArgumentException("a span batch has at least one block", nameof(blocks));
        }

        ParentCheck = parentCheck;
        L1OriginCheck = l1OriginCheck;
        FirstBlockChangesOrigin = firstBlockChangesOrigin;
        Blocks = blocks;
    }

    /// <summary>First 20 bytes of the first block's parent hash.</summary>
    public ReadOnlyMemory<byte> ParentCheck { get; }

    /// <summary>First 20 bytes of the last block's L1 origin hash.</summary>
    public ReadOnlyMemory<byte> L1OriginCheck { get; }

    /// <summary><c>origin_bits[0]</c>: the first block is the first of its epoch.</summary>
    public bool FirstBlockChangesOrigin { get; }

    public IReadOnlyList<SpanBatchElement> Blocks { get; }

    public override byte BatchType => SpanType;

    public override ulong Timestamp => Blocks[0].Timestamp;

    public ulong StartEpochNumber => Blocks[0].EpochNumber;

    public ulong EndEpochNumber => Blocks[^1].EpochNumber;

    public bool CheckParentHash(in Hash256 hash) => hash.Bytes[..CheckLength].SequenceEqual(ParentCheck.Span);

    public bool CheckOriginHash(in Hash256 hash) => hash.Bytes[..CheckLength].SequenceEqual(L1OriginCheck.Span);

    /// <summary>
    /// The span of consecutive singular batches; the first batch's sequence number says whether it starts an epoch
    /// (as the batcher knows from the block's L1 attributes).
    /// </summary>
    public static SpanBatch FromSingularBatches(IReadOnlyList<SingularBatch> batches, ulong firstSequenceNumber)
    {
        ArgumentNullException.ThrowIfNull(batches);
        if (batches.Count == 0)
        {
            throw new ArgumentException("no batches", nameof(batches));
        }

        return new SpanBatch(
            batches[0].ParentHash.Bytes[..CheckLength].ToArray(),
            batches[^1].EpochHash.Bytes[..CheckLength].ToArray(),
            firstSequenceNumber == 0,
            [.. batches.Select(b => new SpanBatchElement(b.Timestamp, b.EpochNumber, b.Transactions))]);
    }

    /// <summary><c>batch_version ++ content</c>.</summary>
    /// <exception cref="ArgumentException">Blocks not <paramref name="blockTime"/> apart, L1 origins that step by more than one, or a transaction a span batch cannot carry.</exception>
    public byte[] Encode(ulong genesisL2Time, ulong blockTime, ulong chainId)
    {
        SpanBatchElement first = Blocks[0];
        if (first.Timestamp < genesisL2Time)
        {
            throw new ArgumentException("the first block is before L2 genesis");
        }

        var originBits = new bool[Blocks.Count];
        originBits[0] = FirstBlockChangesOrigin;
        for (int i = 1; i < Blocks.Count; i++)
        {
            if (Blocks[i].Timestamp != Blocks[i - 1].Timestamp + blockTime)
            {
                throw new ArgumentException($"block {i} is not {blockTime} s after block {i - 1}");
            }

            ulong step = Blocks[i].EpochNumber - Blocks[i - 1].EpochNumber;
            if (Blocks[i].EpochNumber < Blocks[i - 1].EpochNumber || step > 1)
            {
                throw new ArgumentException($"block {i} changes the L1 origin by more than one block");
            }

            originBits[i] = step == 1;
        }

        var writer = new SpanBatchWriter();
        writer.WriteByte(SpanType);
        writer.WriteUvarint(first.Timestamp - genesisL2Time);
        writer.WriteUvarint(Blocks[^1].EpochNumber);
        writer.WriteBytes(ParentCheck.Span);
        writer.WriteBytes(L1OriginCheck.Span);
        writer.WriteUvarint((ulong)Blocks.Count);
        writer.WriteBits(originBits);
        foreach (SpanBatchElement block in Blocks)
        {
            writer.WriteUvarint((ulong)block.Transactions.Count);
        }

        SpanBatchTransactions.Encode(writer, [.. Blocks.SelectMany(b => b.Transactions)], chainId);
        return writer.ToArray();
    }

    /// <summary>
    /// Decodes the content after the version byte and derives the blocks (timestamps from the genesis time and block
    /// time, L1 origin numbers from the origin bits, full transactions with the chain id). Bytes after the batch are ignored.
    /// </summary>
    /// <exception cref="RollupDecodeException">Any malformed field, an empty span, or counts beyond MAX_SPAN_BATCH_ELEMENT_COUNT.</exception>
    public static SpanBatch DecodeContent(ReadOnlySpan<byte> content, ulong genesisL2Time, ulong blockTime, ulong chainId)
    {
        var reader = new SpanBatchReader(content);
        ulong relTimestamp = reader.ReadUvarint();
        ulong l1OriginNumber = reader.ReadUvarint();
        byte[] parentCheck = reader.ReadBytes(CheckLength, "parent check").ToArray();
        byte[] originCheck = reader.ReadBytes(CheckLength, "L1 origin check").ToArray();
        ulong blockCount = reader.ReadUvarint();
        if (blockCount == 0)
        {
            throw new RollupDecodeException("span batch has no blocks");
        }

        if (blockCount > RollupConfig.MaxSpanBatchElementCount)
        {
            throw new RollupDecodeException("span batch has too many blocks");
        }

        bool[] originBits = reader.ReadBits((int)blockCount);
        var txCounts = new int[blockCount];
        ulong totalTxs = 0;
        for (int i = 0; i < txCounts.Length; i++)
        {
            ulong count = reader.ReadUvarint();
            if (count > RollupConfig.MaxSpanBatchElementCount)
            {
                throw new RollupDecodeException("span batch block has too many transactions");
            }

            txCounts[i] = (int)count;
            totalTxs += count;
        }

        if (totalTxs > RollupConfig.MaxSpanBatchElementCount)
        {
            throw new RollupDecodeException("span batch has too many transactions");
        }

        // Each transaction takes at least 64 signature bytes: refuse counts the input cannot hold before allocating.
        if (totalTxs * 64 > (ulong)reader.Remaining)
        {
            throw new RollupDecodeException("span batch: truncated transactions");
        }

        byte[][] txs = SpanBatchTransactions.Decode(ref reader, (int)totalTxs, chainId);

        var epochs = new ulong[blockCount];
        ulong epoch = l1OriginNumber;
        for (int i = (int)blockCount - 1; i >= 0; i--)
        {
            epochs[i] = epoch;
            if (originBits[i] && i > 0)
            {
                epoch = unchecked(epoch - 1);
            }
        }

        var blocks = new SpanBatchElement[blockCount];
        int txIndex = 0;
        for (int i = 0; i < blocks.Length; i++)
        {
            ReadOnlyMemory<byte>[] blockTxs = new ReadOnlyMemory<byte>[txCounts[i]];
            for (int j = 0; j < blockTxs.Length; j++)
            {
                blockTxs[j] = txs[txIndex++];
            }

            ulong timestamp = unchecked(genesisL2Time + relTimestamp + (blockTime * (ulong)i));
            blocks[i] = new SpanBatchElement(timestamp, epochs[i], blockTxs);
        }

        return new SpanBatch(parentCheck, originCheck, originBits[0], blocks);
    }

    /// <summary>
    /// The blocks after <paramref name="safeHead"/> as singular batches, taking each epoch hash from
    /// <paramref name="l1Origins"/> (op-node <c>GetSingularBatches</c>). Parent hashes are left zero: the batch queue
    /// sets each to the safe head it is applied on.
    /// </summary>
    /// <exception cref="InvalidOperationException">A block's L1 origin is not among <paramref name="l1Origins"/>.</exception>
    public IReadOnlyList<SingularBatch> ToSingularBatches(IReadOnlyList<L1BlockRef> l1Origins, L2BlockRef safeHead)
    {
        ArgumentNullException.ThrowIfNull(l1Origins);
        List<SingularBatch> result = [];
        int originIndex = 0;
        foreach (SpanBatchElement block in Blocks)
        {
            if (block.Timestamp <= safeHead.Time)
            {
                continue;
            }

            while (originIndex < l1Origins.Count && l1Origins[originIndex].Number != block.EpochNumber)
            {
                originIndex++;
            }

            if (originIndex == l1Origins.Count)
            {
                throw new InvalidOperationException($"L1 origin {block.EpochNumber} of a span batch block is not known");
            }

            result.Add(new SingularBatch(default, block.EpochNumber, l1Origins[originIndex].Hash, block.Timestamp, block.Transactions));
        }

        return result;
    }
}
