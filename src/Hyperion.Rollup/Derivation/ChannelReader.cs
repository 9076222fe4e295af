using Hyperion.Core.Rlp;
using Hyperion.Rollup.Config;

namespace Hyperion.Rollup.Derivation;

/// <summary>
/// The channel reader stage (derivation.md "Channel Reader (Batch Decoding)"): decompresses a ready channel and decodes
/// its RLP stream of batches. Reading stops at the first batch that cannot be decoded (the rest of the channel is
/// dropped, as op-node does); batches before it are kept. Span batches are only read from L1 blocks past Delta.
/// </summary>
public static class ChannelReader
{
    /// <summary>Result of reading a channel: the batches and, if reading stopped early, why.</summary>
    public sealed record Result(IReadOnlyList<Batch> Batches, string? StopReason);

    /// <param name="channel">The channel data (concatenated frame data).</param>
    /// <param name="config">Rollup config: fork times, genesis time, block time, chain id.</param>
    /// <param name="l1Time">Timestamp of the L1 block the channel was completed in (selects Fjord and Delta rules).</param>
    public static Result Read(byte[] channel, RollupConfig config, ulong l1Time)
    {
        ArgumentNullException.ThrowIfNull(config);
        byte[] stream;
        string? stopReason;
        try
        {
            stream = ChannelCompression.Decompress(channel, config.IsFjord(l1Time), (long)config.MaxRlpBytesPerChannel(l1Time), out stopReason);
        }
        catch (RollupDecodeException e)
        {
            return new Result([], e.Message);
        }

        List<Batch> batches = [];
        int offset = 0;
        while (offset < stream.Length)
        {
            ReadOnlyMemory<byte> content;
            try
            {
                var reader = new RlpReader(stream.AsSpan(offset));
                ReadOnlySpan<byte> payload = reader.ReadBytes();
                offset += reader.Position;
                content = stream.AsMemory(offset - payload.Length, payload.Length);
            }
            catch (RlpException e)
            {
                return new Result(batches, stopReason ?? $"malformed batch RLP: {e.Message}");
            }

            try
            {
                Batch batch = Decode(content, config);

                // Before Delta a well-formed span batch is skipped and reading goes on (op-node's temporary error).
                if (batch.BatchType == Batch.SingularType || config.IsDelta(l1Time))
                {
                    batches.Add(batch);
                }
            }
            catch (RollupDecodeException e)
            {
                return new Result(batches, e.Message);
            }
        }

        return new Result(batches, stopReason);
    }

    /// <summary>Decodes one typed batch (<c>batch_version ++ content</c>).</summary>
    /// <exception cref="RollupDecodeException">Empty, unknown version, or malformed content.</exception>
    public static Batch Decode(ReadOnlyMemory<byte> typedBatch, RollupConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (typedBatch.IsEmpty)
        {
            throw new RollupDecodeException("empty batch");
        }

        return typedBatch.Span[0] switch
        {
            Batch.SingularType => SingularBatch.DecodeContent(typedBatch[1..]),
            Batch.SpanType => SpanBatch.DecodeContent(typedBatch.Span[1..], config.GenesisL2Time, config.BlockTime, config.L2ChainId),
            byte other => throw new RollupDecodeException($"unknown batch version {other}"),
        };
    }
}
