using CsCheck;
using Hyperion.Rollup.Batcher;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.Derivation;

namespace Hyperion.Rollup.Tests;

public class FrameAndChannelTests
{
    private static readonly ChannelId Id = new(new UInt128(0x0102030405060708, 0x090a0b0c0d0e0f10));

    private static L1BlockRef L1(ulong number, ulong time = 1_700_000_000) => new(default, number, default, time);

    private static readonly Gen<Frame> FrameGen = Gen.Select(Gen.UInt, Gen.UShort, Gen.Byte.Array[0, 200], Gen.Bool)
        .Select((id, number, data, last) => new Frame(new ChannelId(id), number, data, last));

    [Fact]
    public void Frames_round_trip_through_batcher_data() =>
        FrameGen.List[1, 5].Sample(frames =>
        {
            Frame[] parsed = Frame.ParseBatcherData(Frame.EncodeBatcherData(frames));
            return parsed.Length == frames.Count && parsed.Zip(frames).All(p =>
                p.First.ChannelId == p.Second.ChannelId && p.First.Number == p.Second.Number && p.First.IsLast == p.Second.IsLast
                && p.First.Data.Span.SequenceEqual(p.Second.Data.Span));
        });

    [Fact]
    public void Frame_layout_is_the_spec_layout()
    {
        byte[] data = Frame.EncodeBatcherData([new Frame(Id, 0x0203, new byte[] { 0xaa, 0xbb }, true)]);
        Assert.Equal("0x000102030405060708090a0b0c0d0e0f10020300000002aabb01", Core.Hex.Encode(data));
    }

    [Theory]
    [InlineData("")]                     // empty
    [InlineData("01")]                   // unknown version
    [InlineData("00")]                   // no frames
    [InlineData("0001020304050607080910111213141516000000000001aa")]   // truncated (no is_last)
    [InlineData("0001020304050607080910111213141516000000000001aa02")] // is_last = 2
    [InlineData("000102030405060708091011121314151600000000000100")]   // length past the end
    public void Malformed_batcher_data_is_rejected(string hex) =>
        Assert.Throws<RollupDecodeException>(() => Frame.ParseBatcherData(Core.Hex.Decode("0x" + hex)));

    [Fact]
    public void One_bad_frame_rejects_the_whole_transaction()
    {
        byte[] good = Frame.EncodeBatcherData([new Frame(Id, 0, new byte[] { 1 }, false), new Frame(Id, 1, new byte[] { 2 }, true)]);
        good[^1] = 7;
        Assert.Throws<RollupDecodeException>(() => Frame.ParseBatcherData(good));
    }

    [Fact]
    public void Frame_data_over_the_cap_is_rejected()
    {
        byte[] data = new byte[1 + Frame.Overhead];
        data[1 + 18] = 0x00;
        data[1 + 19] = 0x0f;
        data[1 + 20] = 0x42;
        data[1 + 21] = 0x41; // 1,000,001
        Assert.Throws<RollupDecodeException>(() => Frame.ParseBatcherData(data));
    }

    [Fact]
    public void Hostile_batcher_data_only_fails_with_the_decode_error() =>
        Gen.Byte.Array[0, 120].Sample(data =>
        {
            if (data.Length > 0)
            {
                data[0] = 0;
            }

            try
            {
                Frame.ParseBatcherData(data);
            }
            catch (RollupDecodeException)
            {
            }
        });

    [Fact]
    public void Channel_is_ready_when_all_frames_up_to_the_last_arrive_in_any_order()
    {
        var bank = new ChannelBank(TestConfig.Default);
        Assert.True(bank.IngestFrame(new Frame(Id, 2, new byte[] { 3 }, true), L1(1), out _));
        Assert.True(bank.IngestFrame(new Frame(Id, 0, new byte[] { 1 }, false), L1(1), out _));
        Assert.False(bank.TryReadChannel(L1(1), out _));
        Assert.True(bank.IngestFrame(new Frame(Id, 1, new byte[] { 2 }, false), L1(2), out _));
        Assert.True(bank.TryReadChannel(L1(2), out Channel? channel));
        Assert.Equal(new byte[] { 1, 2, 3 }, channel!.ReadData());
        Assert.Equal(2UL, channel.HighestL1InclusionBlock.Number);
        Assert.Empty(bank.Channels);
    }

    [Fact]
    public void Duplicate_frames_and_second_closes_are_dropped()
    {
        var bank = new ChannelBank(TestConfig.Default);
        Assert.True(bank.IngestFrame(new Frame(Id, 0, new byte[] { 1 }, false), L1(1), out _));
        Assert.False(bank.IngestFrame(new Frame(Id, 0, new byte[] { 9 }, false), L1(1), out string? duplicate));
        Assert.Contains("duplicate", duplicate);
        Assert.True(bank.IngestFrame(new Frame(Id, 1, new byte[] { 2 }, true), L1(1), out _));
        Assert.False(bank.IngestFrame(new Frame(Id, 2, new byte[] { 3 }, true), L1(1), out _));
        Assert.False(bank.IngestFrame(new Frame(Id, 3, new byte[] { 3 }, false), L1(1), out _));
    }

    [Fact]
    public void Closing_frame_prunes_higher_frames_and_their_size()
    {
        var channel = new Channel(Id, L1(1));
        Assert.True(channel.TryAddFrame(new Frame(Id, 0, new byte[10], false), L1(1), out _));
        Assert.True(channel.TryAddFrame(new Frame(Id, 5, new byte[10], false), L1(1), out _));
        Assert.True(channel.TryAddFrame(new Frame(Id, 1, new byte[10], true), L1(1), out _));
        Assert.True(channel.IsReady);
        Assert.Equal(2 * (10 + Channel.FrameSizeOverhead), channel.Size);
    }

    [Fact]
    public void Channels_time_out_after_the_channel_timeout()
    {
        var bank = new ChannelBank(TestConfig.Default); // timeout 5
        Assert.True(bank.IngestFrame(new Frame(Id, 0, new byte[] { 1 }, false), L1(10), out _));
        Assert.True(bank.IngestFrame(new Frame(Id, 1, new byte[] { 1 }, false), L1(15), out _));
        Assert.False(bank.IngestFrame(new Frame(Id, 2, new byte[] { 1 }, true), L1(16), out string? reason));
        Assert.Contains("timed out", reason);
        Assert.False(bank.TryReadChannel(L1(16), out _));
        Assert.Empty(bank.Channels);
    }

    [Fact]
    public void Granite_shortens_the_timeout_and_Canyon_reads_past_an_unready_head()
    {
        RollupConfig granite = TestConfig.Default with { ChannelTimeoutBedrock = 300, GraniteTime = 0 };
        var bank = new ChannelBank(granite);
        var other = new ChannelId(99);
        Assert.True(bank.IngestFrame(new Frame(Id, 0, new byte[] { 1 }, false), L1(10), out _));
        Assert.True(bank.IngestFrame(new Frame(other, 0, new byte[] { 7 }, true), L1(11), out _));
        Assert.True(bank.TryReadChannel(L1(11), out Channel? ready));
        Assert.Equal(other, ready!.Id);
        Assert.True(bank.TryReadChannel(L1(61), out _) is false);
        Assert.Empty(bank.Channels); // 10 + 50 < 61: timed out under Granite

        var preCanyon = new ChannelBank(TestConfig.Default with { CanyonTime = null, DeltaTime = null, EcotoneTime = null, FjordTime = null });
        Assert.True(preCanyon.IngestFrame(new Frame(Id, 0, new byte[] { 1 }, false), L1(10), out _));
        Assert.True(preCanyon.IngestFrame(new Frame(other, 0, new byte[] { 7 }, true), L1(11), out _));
        Assert.False(preCanyon.TryReadChannel(L1(11), out _));
    }

    [Fact]
    public void Bank_prunes_oldest_channels_past_the_size_limit()
    {
        RollupConfig config = TestConfig.Default with { FjordTime = null, GraniteTime = null };
        var bank = new ChannelBank(config);
        byte[] big = new byte[Frame.MaxDataLength];
        for (int i = 0; i < 100; i++)
        {
            Assert.True(bank.IngestFrame(new Frame(new ChannelId((UInt128)i), 0, big, false), L1(1), out _));
        }

        Assert.True(bank.TotalSize <= (long)RollupConfig.MaxChannelBankSizeBedrock);
        Assert.Equal(new ChannelId(1), bank.Channels[0].Id); // channel 0 was pruned
    }

    [Theory]
    [InlineData(CompressionAlgorithm.Zlib)]
    [InlineData(CompressionAlgorithm.Brotli)]
    public void Compression_round_trips(CompressionAlgorithm algorithm) =>
        Gen.Byte.Array[0, 3000].Sample(data =>
        {
            byte[] compressed = ChannelCompression.Compress(data, algorithm);
            return ChannelCompression.Detect(compressed, brotliAllowed: true) == algorithm
                && ChannelCompression.Decompress(compressed, true, 1 << 20, out string? stop).AsSpan().SequenceEqual(data) && stop is null;
        });

    [Theory]
    [InlineData(CompressionAlgorithm.Zlib)]
    [InlineData(CompressionAlgorithm.Brotli)]
    public void An_empty_channel_compresses_to_a_complete_stream(CompressionAlgorithm algorithm)
    {
        byte[] compressed = ChannelCompression.Compress([], algorithm);
        Assert.Equal(algorithm, ChannelCompression.Detect(compressed, brotliAllowed: true));
        Assert.Empty(ChannelCompression.Decompress(compressed, true, 1 << 20, out string? stop));
        Assert.Null(stop);
    }

    [Fact]
    public void Decompression_stops_at_the_limit_and_rejects_unknown_or_early_brotli()
    {
        byte[] compressed = ChannelCompression.Compress(new byte[10_000], CompressionAlgorithm.Zlib);
        Assert.Equal(1000, ChannelCompression.Decompress(compressed, false, 1000, out _).Length);
        byte[] brotli = ChannelCompression.Compress(new byte[10], CompressionAlgorithm.Brotli);
        Assert.Throws<RollupDecodeException>(() => ChannelCompression.Decompress(brotli, brotliAllowed: false, 1000, out _));
        Assert.Throws<RollupDecodeException>(() => ChannelCompression.Detect([0x02, 0x00], true));
    }

    [Fact]
    public void Hostile_channels_never_throw()
    {
        Gen.Select(Gen.Byte.Array[0, 400], Gen.Int[0, 2]).Sample((data, kind) =>
        {
            if (data.Length > 0)
            {
                data[0] = kind switch { 0 => 0x78, 1 => 0x01, _ => data[0] };
            }

            ChannelReader.Read(data, TestConfig.Default, 1_700_000_000);
        });
    }

    [Theory]
    [InlineData(CompressionAlgorithm.Zlib)]
    [InlineData(CompressionAlgorithm.Brotli)]
    public void Channel_out_frames_go_through_the_bank_and_reader_back_to_the_batches(CompressionAlgorithm algorithm)
    {
        RollupConfig config = TestConfig.Default;
        var batches = Enumerable.Range(0, 20).Select(i => new SingularBatch(
            Core.Hash256.Zero, 100 + (ulong)i, Core.Hash256.Zero, config.GenesisL2Time + (2 * (ulong)i),
            [.. Enumerable.Range(0, i % 3).Select(j => (ReadOnlyMemory<byte>)new byte[] { 2, (byte)i, (byte)j })])).ToList();
        var channelOut = new ChannelOut(Id, algorithm, config.MaxRlpBytesPerChannel(0));
        foreach (SingularBatch batch in batches)
        {
            Assert.True(channelOut.TryAddBatch(batch.Encode()));
        }

        IReadOnlyList<Frame> frames = channelOut.ToFrames(maxFrameSize: 40);
        Assert.True(frames.Count > 1);
        Assert.All(frames, f => Assert.True(f.EncodedLength <= 40));
        Assert.True(frames[^1].IsLast);

        var bank = new ChannelBank(config);
        foreach (Frame frame in frames.Reverse())
        {
            Frame[] parsed = Frame.ParseBatcherData(Frame.EncodeBatcherData([frame]));
            Assert.True(bank.IngestFrame(parsed[0], L1(1), out _));
        }

        Assert.True(bank.TryReadChannel(L1(1), out Channel? channel));
        ChannelReader.Result result = ChannelReader.Read(channel!.ReadData(), config, 1_700_000_000);
        Assert.Null(result.StopReason);
        Assert.Equal(batches.Select(b => b.Encode()), result.Batches.Cast<SingularBatch>().Select(b => b.Encode()));
    }

    [Fact]
    public void Channel_out_respects_the_target_size()
    {
        var channelOut = new ChannelOut(Id, CompressionAlgorithm.Zlib, RollupConfig.MaxRlpBytesPerChannelFjord, targetCompressedSize: 300);
        var random = new Random(1);
        int added = 0;
        while (true)
        {
            byte[] tx = new byte[100];
            random.NextBytes(tx);
            tx[0] = 2;
            if (!channelOut.TryAddBatch(new SingularBatch(Core.Hash256.Zero, 1, Core.Hash256.Zero, 2, [tx]).Encode()))
            {
                break;
            }

            added++;
        }

        Assert.True(added >= 1);
        Assert.True(channelOut.Compressed.Length <= 300);
    }

    /// <summary>
    /// The channel is compressed again only when a bound says it may pass its target: the batches it takes and the
    /// bytes it makes are still those of an exact compression at every addition, for compressible and random batches.
    /// </summary>
    [Fact]
    public void Channel_out_takes_the_batches_an_exact_check_of_every_addition_takes()
    {
        Gen<byte[]> batchGen = Gen.Select(Gen.Int[1, 600], Gen.Bool, Gen.Int).Select((length, random, seed) =>
        {
            byte[] tx = new byte[length];
            if (random)
            {
                new Random(seed).NextBytes(tx);
            }
            else
            {
                // A transfer-like payload: mostly the same bytes with a few changing.
                tx.AsSpan().Fill((byte)(seed & 0x0f));
                BitConverter.TryWriteBytes(tx.AsSpan(0, Math.Min(4, length)), seed);
            }

            tx[0] = 2;
            return new SingularBatch(Core.Hash256.Zero, 1, Core.Hash256.Zero, (ulong)length, [tx]).Encode();
        });
        Gen.Select(Gen.Bool.Select(b => b ? CompressionAlgorithm.Brotli : CompressionAlgorithm.Zlib), Gen.Int[100, 6_000], batchGen.List[1, 40])
            .Sample((algorithm, target, batches) =>
            {
                var channelOut = new ChannelOut(Id, algorithm, RollupConfig.MaxRlpBytesPerChannelFjord, target);
                var taken = new List<byte>();
                int expected = 0;
                foreach (byte[] batch in batches)
                {
                    byte[] item = Core.Rlp.Rlp.EncodeBytes(batch);
                    if (expected > 0 && ChannelCompression.Compress([.. taken, .. item], algorithm).Length > target)
                    {
                        break;
                    }

                    taken.AddRange(item);
                    expected++;
                }

                int added = batches.TakeWhile(b => channelOut.TryAddBatch(b)).Count();
                Assert.Equal(expected, added);
                Assert.Equal(ChannelCompression.Compress([.. taken], algorithm), channelOut.Compressed);
            }, iter: 40);
    }
}

public class ChannelOutBlobTests
{
    [Fact]
    public void Blobs_carry_one_frame_each_and_read_back_into_the_channel()
    {
        var random = new Random(7);
        var channelOut = new Batcher.ChannelOut(new ChannelId(5), CompressionAlgorithm.Zlib, Config.RollupConfig.MaxRlpBytesPerChannelFjord);
        for (int i = 0; i < 3; i++)
        {
            byte[] tx = new byte[100_000];
            random.NextBytes(tx); // incompressible: the channel needs more than one blob
            tx[0] = 2;
            Assert.True(channelOut.TryAddBatch(new SingularBatch(Core.Hash256.Zero, 1, Core.Hash256.Zero, (ulong)i, [tx]).Encode()));
        }

        IReadOnlyList<byte[]> blobs = channelOut.ToBlobs();
        Assert.True(blobs.Count >= 3);
        var bank = new ChannelBank(TestConfig.Default);
        foreach (byte[] blob in blobs)
        {
            Frame[] frames = Frame.ParseBatcherData(Blobs.BlobCodec.Decode(blob));
            Assert.Single(frames);
            Assert.True(bank.IngestFrame(frames[0], new L1BlockRef(default, 1, default, 0), out _));
        }

        Assert.True(bank.TryReadChannel(new L1BlockRef(default, 1, default, 0), out Channel? channel));
        Assert.Equal(channelOut.Compressed, channel!.ReadData());
    }
}
