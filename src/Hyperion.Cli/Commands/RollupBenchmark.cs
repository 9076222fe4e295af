using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;
using Hyperion.Rollup;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.Derivation;
using Hyperion.Rollup.Node.Batcher;
using Hyperion.Rollup.Node.L1;

namespace Hyperion.Cli.Commands;

/// <summary>
/// <c>hyperion bench rollup batches</c>: the L1 cost of posting the same L2 blocks of ERC20 transfers with each batcher
/// setting — calldata or blobs, zlib or brotli, singular or span batches. The channels are filled block by block by
/// the batcher's own <see cref="ChannelBuilder"/> (so the bytes are those it would post) and read back through the
/// derivation's stages to check them; the L1 gas is what L1 charges a transaction to the (code-less) batch inbox: its
/// intrinsic gas for calldata (21,000 + 16 per non-zero byte + 4 per zero byte), 131,072 blob gas per blob.
/// </summary>
internal static class RollupBenchmark
{
    private const ulong BlobGasPerBlob = 131_072;

    private static readonly RollupConfig Config = new()
    {
        GenesisL1 = new BlockId(Keccak256.Hash("bench l1 genesis"u8), 1000),
        GenesisL2 = new BlockId(Keccak256.Hash("bench l2 genesis"u8), 0),
        GenesisL2Time = 1_700_000_000,
        GenesisSystemConfig = new SystemConfig { BatcherAddress = new Address(Enumerable.Repeat((byte)0xba, 20).ToArray()), GasLimit = 30_000_000 },
        BlockTime = 2,
        MaxSequencerDrift = 600,
        SeqWindowSize = 3600,
        ChannelTimeoutBedrock = 300,
        L1ChainId = 1,
        L2ChainId = 901,
        RegolithTime = 0,
        CanyonTime = 0,
        DeltaTime = 0,
        EcotoneTime = 0,
        FjordTime = 0,
        GraniteTime = 0,
        BatchInboxAddress = Address.Parse("0xff00000000000000000000000000000000000901"),
        DepositContractAddress = Address.Parse("0x4000000000000000000000000000000000000004"),
        L1SystemConfigAddress = Address.Parse("0x5000000000000000000000000000000000000005"),
    };

    public static Command CreateCommand()
    {
        var blocks = new Option<int>("--blocks") { Description = "L2 blocks (2 s apart, 6 per L1 epoch).", DefaultValueFactory = _ => 120 };
        var transfers = new Option<int>("--transfers") { Description = "ERC20 transfers per L2 block.", DefaultValueFactory = _ => 20 };
        var senders = new Option<int>("--senders") { Description = "Distinct senders (each a new key; recipients are random).", DefaultValueFactory = _ => 500 };
        var batches = new Command("batches", "L1 gas per L2 ERC20 transfer: calldata vs blobs, zlib vs brotli, singular vs span batches, for the same L2 blocks.")
        {
            blocks, transfers, senders,
        };
        batches.SetAction(parse =>
        {
            int blockCount = parse.GetValue(blocks);
            int perBlock = parse.GetValue(transfers);
            int senderCount = parse.GetValue(senders);
            if (blockCount is < 1 or > 10_000 || perBlock is < 1 or > 2_000 || senderCount is < 1 or > 100_000)
            {
                Console.Error.WriteLine("hyperion bench rollup batches: --blocks must be in 1..10000, --transfers in 1..2000, --senders in 1..100000");
                return 1;
            }

            Run(Erc20Blocks(blockCount, perBlock, senderCount), Console.Out);
            return 0;
        });
        return new Command("rollup", "Rollup benchmarks (the batcher's L1 cost).") { batches };
    }

    private static void Run(IReadOnlyList<L2Block> blocks, TextWriter output)
    {
        int txCount = blocks.Sum(b => b.Transactions.Count);
        long envelopeBytes = blocks.Sum(b => b.Transactions.Sum(t => (long)t.Envelope.Length));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{blocks.Count} L2 blocks, {txCount} ERC20 transfers ({envelopeBytes / (double)txCount:0.0} bytes signed each), {Environment.ProcessorCount} cores"));
        output.WriteLine("batches   compression  mode      channels  L1 txs  blobs  compressed B/tx  L1 gas/tx (calldata)  blob gas/tx  build ms");
        foreach (BatchKind kind in new[] { BatchKind.Singular, BatchKind.Span })
        {
            foreach (CompressionAlgorithm compression in new[] { CompressionAlgorithm.Zlib, CompressionAlgorithm.Brotli })
            {
                foreach (DataAvailability mode in new[] { DataAvailability.Calldata, DataAvailability.Blobs })
                {
                    long start = Stopwatch.GetTimestamp();
                    List<ChannelBuilder> channels = Fill(blocks, compression, kind, mode);
                    double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    ReadBack(channels, blocks);
                    long compressed = channels.Sum(c => (long)c.Compressed.Length);
                    ulong gas = 0;
                    int l1Txs = 0;
                    int blobs = 0;
                    foreach (ChannelBuilder channel in channels)
                    {
                        IReadOnlyList<TxCandidate> txs = mode == DataAvailability.Blobs
                            ? channel.BlobTransactions(6)
                            : channel.CalldataTransactions();
                        l1Txs += txs.Count;
                        foreach (TxCandidate tx in txs)
                        {
                            gas += tx.IsBlob ? 21_000 : DataAvailabilityChoice.CalldataGas(tx.Calldata.Span);
                            blobs += tx.Blobs.Count;
                        }
                    }

                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{Name(kind),-9} {Name(compression),-12} {Name(mode),-9} {channels.Count,8} {l1Txs,7} {blobs,6} {compressed / (double)txCount,16:0.0} {gas / (double)txCount,21:0.0} {(ulong)blobs * BlobGasPerBlob / (double)txCount,12:0.0} {ms,9:0}"));
                }
            }
        }
    }

    private static string Name<T>(T value) where T : Enum => value.ToString().ToLowerInvariant();

    /// <summary>The batcher's filling: blocks in order, a new channel whenever the next block would overfill one transaction.</summary>
    private static List<ChannelBuilder> Fill(IReadOnlyList<L2Block> blocks, CompressionAlgorithm compression, BatchKind kind, DataAvailability mode)
    {
        int target = ChannelBuilder.TargetSize(mode, ChannelBuilder.DefaultMaxCalldataSize, 6);
        var channels = new List<ChannelBuilder>();
        ChannelBuilder? open = null;
        foreach (L2Block block in blocks)
        {
            open ??= New();
            if (!open.TryAdd(block))
            {
                open = New();
                if (!open.TryAdd(block))
                {
                    throw new InvalidOperationException($"L2 block {block.Ref.Number} does not fit an empty channel");
                }
            }
        }

        return channels;

        ChannelBuilder New()
        {
            var channel = new ChannelBuilder(Config, compression, kind, target, Config.GenesisL2Time);
            channels.Add(channel);
            return channel;
        }
    }

    /// <summary>Each channel read back by the derivation's reader carries the blocks' transactions (else the figures would mean nothing).</summary>
    private static void ReadBack(List<ChannelBuilder> channels, IReadOnlyList<L2Block> blocks)
    {
        int read = 0;
        foreach (ChannelBuilder channel in channels)
        {
            ChannelReader.Result result = ChannelReader.Read(channel.Compressed, Config, Config.GenesisL2Time + 1000);
            if (result.StopReason is not null)
            {
                throw new InvalidOperationException($"a channel does not read back: {result.StopReason}");
            }

            read += result.Batches.Sum(b => b switch
            {
                SingularBatch s => s.Transactions.Count,
                SpanBatch span => span.Blocks.Sum(x => x.Transactions.Count),
                _ => 0,
            });
        }

        if (read != blocks.Sum(b => b.Transactions.Count))
        {
            throw new InvalidOperationException($"channels carry {read} transactions, the blocks {blocks.Sum(b => b.Transactions.Count)}");
        }
    }

    /// <summary>
    /// L2 blocks of signed EIP-1559 ERC20 <c>transfer(to, amount)</c> calls to one of five tokens, from distinct
    /// senders with counting nonces to random recipients and amounts (a fixed seed: every run sees the same blocks).
    /// </summary>
    private static List<L2Block> Erc20Blocks(int count, int perBlock, int senderCount)
    {
        var random = new Random(12);
        byte[][] keys = [.. Enumerable.Range(0, senderCount).Select(i => Keccak256.Hash(BitConverter.GetBytes(i + 1)).ToArray())];
        var nonces = new ulong[senderCount];
        Address[] tokens = [.. Enumerable.Range(0, 5).Select(i => new Address(Keccak256.Hash(BitConverter.GetBytes(-i - 1)).ToArray().AsSpan(12)))];
        var result = new List<L2Block>(count);
        Hash256 parent = Config.GenesisL2.Hash;
        for (int n = 1; n <= count; n++)
        {
            var txs = new List<Transaction>(perBlock);
            for (int i = 0; i < perBlock; i++)
            {
                int sender = random.Next(senderCount);
                var data = new byte[68];
                Hex.Decode("0xa9059cbb").CopyTo(data, 0);
                random.NextBytes(data.AsSpan(16, 20));
                random.NextBytes(data.AsSpan(68 - random.Next(4, 12)));
                txs.Add(TransactionSigner.Sign(
                    new Transaction
                    {
                        Type = TransactionType.DynamicFee, ChainId = Config.L2ChainId, Nonce = nonces[sender]++, To = tokens[random.Next(tokens.Length)], Data = data,
                        GasLimit = 65_000, MaxFeePerGas = (ulong)(1_000_000_000 + random.Next(1_000_000_000)), MaxPriorityFeePerGas = 1_000_000,
                    },
                    keys[sender]));
            }

            ulong epoch = Config.GenesisL1.Number + ((ulong)n / 6);
            Hash256 hash = Keccak256.Hash(BitConverter.GetBytes(n));
            var origin = new BlockId(Keccak256.Hash(BitConverter.GetBytes(epoch)), epoch);
            result.Add(new L2Block(new L2BlockRef(hash, (ulong)n, parent, Config.GenesisL2Time + ((ulong)n * Config.BlockTime), origin, (ulong)n % 6), txs));
            parent = hash;
        }

        return result;
    }
}
