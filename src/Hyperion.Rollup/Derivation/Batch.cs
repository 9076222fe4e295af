using Hyperion.Core;
using Hyperion.Core.Rlp;

namespace Hyperion.Rollup.Derivation;

/// <summary>A sequencer batch: a singular batch (version 0, one L2 block) or a span batch (version 1, consecutive blocks).</summary>
public abstract class Batch
{
    public const byte SingularType = 0;
    public const byte SpanType = 1;

    private protected Batch()
    {
    }

    public abstract byte BatchType { get; }

    /// <summary>Timestamp of the (first) L2 block.</summary>
    public abstract ulong Timestamp { get; }
}

/// <summary>
/// A version-0 batch: <c>0x00 ++ rlp([parent_hash, epoch_number, epoch_hash, timestamp, transaction_list])</c>
/// (derivation.md "Batch Format"); transactions are opaque EIP-2718 encodings.
/// </summary>
public sealed class SingularBatch(Hash256 parentHash, ulong epochNumber, Hash256 epochHash, ulong timestamp, IReadOnlyList<ReadOnlyMemory<byte>> transactions) : Batch
{
    public Hash256 ParentHash { get; } = parentHash;

    public ulong EpochNumber { get; } = epochNumber;

    public Hash256 EpochHash { get; } = epochHash;

    public override ulong Timestamp { get; } = timestamp;

    public IReadOnlyList<ReadOnlyMemory<byte>> Transactions { get; } = transactions ?? throw new ArgumentNullException(nameof(transactions));

    public override byte BatchType => SingularType;

    /// <summary><c>batch_version ++ content</c>.</summary>
    public byte[] Encode()
    {
        byte[][] txItems = [.. Transactions.Select(t => Rlp.EncodeBytes(t.Span))];
        byte[] body = Rlp.EncodeList(
            Rlp.EncodeBytes(ParentHash.Bytes),
            Rlp.EncodeUInt64(EpochNumber),
            Rlp.EncodeBytes(EpochHash.Bytes),
            Rlp.EncodeUInt64(Timestamp),
            Rlp.EncodeList(txItems));
        byte[] encoded = new byte[1 + body.Length];
        encoded[0] = SingularType;
        body.CopyTo(encoded, 1);
        return encoded;
    }

    /// <summary>Decodes the content after the version byte; the list must be the whole content.</summary>
    /// <exception cref="RollupDecodeException">Malformed or non-canonical RLP, wrong field sizes, or trailing data.</exception>
    public static SingularBatch DecodeContent(ReadOnlyMemory<byte> content)
    {
        try
        {
            var reader = new RlpReader(content.Span);
            RlpReader fields = reader.EnterList();
            Hash256 parentHash = fields.ReadHash();
            ulong epochNumber = fields.ReadUInt64();
            Hash256 epochHash = fields.ReadHash();
            ulong timestamp = fields.ReadUInt64();
            RlpReader txs = fields.EnterList();
            List<ReadOnlyMemory<byte>> transactions = [];
            while (!txs.IsEmpty)
            {
                // Position is relative to the outermost input, so the payload is a slice of the content.
                ReadOnlySpan<byte> tx = txs.ReadBytes();
                transactions.Add(content.Slice(txs.Position - tx.Length, tx.Length));
            }

            fields.EnsureEnd();
            reader.EnsureEnd();
            return new SingularBatch(parentHash, epochNumber, epochHash, timestamp, transactions);
        }
        catch (RlpException e)
        {
            throw new RollupDecodeException($"malformed singular batch: {e.Message}", e);
        }
    }
}
