using BenchmarkDotNet.Attributes;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Rlp;

namespace Hyperion.Benchmarks;

/// <summary>
/// RLP decode of a mainnet-shaped block: a 16-field London header and 1,000 EIP-155 legacy transactions
/// (calldata 0–256 bytes, a third of them plain transfers). <see cref="DecodeBlock"/> builds the Core types
/// (<see cref="Block"/>, <see cref="Hyperion.Core.Transactions.Transaction"/>); <see cref="DecodeBlockFields"/> only reads
/// every field into typed values (ulong, UInt256, Address, Hash256) with the RLP reader, as a floor. In both, calldata
/// stays a slice of the input (no copy).
/// </summary>
[MemoryDiagnoser]
public class RlpBlockBenchmarks
{
    private const int TransactionCount = 1000;

    private byte[] _block = [];
    private readonly DecodedTransaction[] _decoded = new DecodedTransaction[TransactionCount];

    private struct DecodedTransaction
    {
        public ulong Nonce;
        public UInt256 GasPrice;
        public ulong GasLimit;
        public Address To;
        public UInt256 Value;
        public int DataLength;
        public ulong V;
        public UInt256 R;
        public UInt256 S;
    }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1000);
        byte[] Bytes(int length)
        {
            var b = new byte[length];
            random.NextBytes(b);
            return b;
        }
        byte[] Integer(UInt256 value)
        {
            var minimal = new byte[value.ByteLength];
            value.WriteBigEndianTrimmed(minimal);
            return Rlp.EncodeBytes(minimal);
        }
        UInt256 Word() => UInt256.FromBigEndian(Bytes(32));

        byte[] header = Rlp.EncodeList(
            Rlp.EncodeBytes(Bytes(32)), Rlp.EncodeBytes(Bytes(32)), Rlp.EncodeBytes(Bytes(20)), Rlp.EncodeBytes(Bytes(32)),
            Rlp.EncodeBytes(Bytes(32)), Rlp.EncodeBytes(Bytes(32)), Rlp.EncodeBytes(Bytes(256)), Rlp.EncodeUInt64(0),
            Rlp.EncodeUInt64(21_000_000), Rlp.EncodeUInt64(30_000_000), Rlp.EncodeUInt64(29_000_000),
            Rlp.EncodeUInt64(1_700_000_000), Rlp.EncodeBytes(Bytes(32)), Rlp.EncodeBytes(Bytes(32)), Rlp.EncodeBytes(new byte[8]),
            Integer(new UInt256(7_000_000_000)));

        var transactions = new byte[TransactionCount][];
        for (int i = 0; i < TransactionCount; i++)
        {
            int dataLength = random.Next(3) == 0 ? 0 : random.Next(4, 257);
            transactions[i] = Rlp.EncodeList(
                Rlp.EncodeUInt64((ulong)random.Next(0, 1_000_000)),
                Integer(new UInt256((ulong)random.NextInt64(1_000_000_000, 200_000_000_000))),
                Rlp.EncodeUInt64((ulong)random.Next(21_000, 500_000)),
                Rlp.EncodeBytes(Bytes(20)),
                Integer(new UInt256((ulong)random.NextInt64(), (ulong)random.Next(0, 1 << 16))),
                Rlp.EncodeBytes(Bytes(dataLength)),
                Rlp.EncodeUInt64(37 + (ulong)random.Next(2)),
                Integer(Word()),
                Integer(Word()));
        }

        _block = Rlp.EncodeList(header, Rlp.EncodeList(transactions), Rlp.EncodeList());
        Console.WriteLine($"// RlpBlockBenchmarks: encoded block of {_block.Length} bytes");
    }

    [Benchmark]
    public ulong DecodeBlock()
    {
        Block block = Block.Decode(_block);
        return block.Number + (ulong)block.Transactions.Length + block.Header.BaseFeePerGas.GetValueOrDefault().U0;
    }

    [Benchmark(Baseline = true)]
    public ulong DecodeBlockFields()
    {
        var reader = new RlpReader(_block);
        RlpReader block = reader.EnterList();

        RlpReader header = block.EnterList();
        Hash256 parentHash = header.ReadHash();
        header.ReadHash();
        header.ReadAddress();
        header.ReadHash();
        header.ReadHash();
        header.ReadHash();
        header.ReadBytes();
        header.ReadUInt64();
        ulong number = header.ReadUInt64();
        header.ReadUInt64();
        header.ReadUInt64();
        header.ReadUInt64();
        header.ReadBytes();
        header.ReadHash();
        header.ReadBytes();
        UInt256 baseFee = UInt256.FromBigEndian(header.ReadIntegerBytes());
        header.EnsureEnd();

        RlpReader transactions = block.EnterList();
        int count = 0;
        while (!transactions.IsEmpty)
        {
            RlpReader tx = transactions.EnterList();
            ref DecodedTransaction decoded = ref _decoded[count++];
            decoded.Nonce = tx.ReadUInt64();
            decoded.GasPrice = UInt256.FromBigEndian(tx.ReadIntegerBytes());
            decoded.GasLimit = tx.ReadUInt64();
            decoded.To = tx.ReadAddress();
            decoded.Value = UInt256.FromBigEndian(tx.ReadIntegerBytes());
            decoded.DataLength = tx.ReadBytes().Length;
            decoded.V = tx.ReadUInt64();
            decoded.R = UInt256.FromBigEndian(tx.ReadIntegerBytes());
            decoded.S = UInt256.FromBigEndian(tx.ReadIntegerBytes());
            tx.EnsureEnd();
        }
        block.EnterList().EnsureEnd();
        block.EnsureEnd();
        return number + (ulong)count + baseFee.U0 + parentHash.Bytes[0];
    }
}
