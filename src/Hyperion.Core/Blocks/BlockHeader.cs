using System.Buffers.Binary;
using Hyperion.Core.Crypto;
using Hyperion.Core.Rlp;
using RlpCodec = Hyperion.Core.Rlp.Rlp;

namespace Hyperion.Core.Blocks;

/// <summary>
/// A block header with the fork-dependent trailing fields: base fee (London), withdrawals root (Shanghai), blob gas
/// used, excess blob gas and parent beacon block root (Cancun), requests hash (Prague). A trailing field is present
/// only if all before it are (null means absent). Its hash is keccak256 of its RLP.
/// </summary>
public sealed class BlockHeader
{
    /// <summary>Fields up to the nonce, present in every header.</summary>
    public const int BaseFieldCount = 15;

    private Computed<ReadOnlyMemory<byte>>? _encoded;
    private Computed<Hash256>? _hash;

    public required Hash256 ParentHash { get; init; }

    /// <summary>Hash of the RLP list of ommer headers (keccak of 0xc0 when there are none).</summary>
    public Hash256 OmmersHash { get; init; } = Keccak256.OfEmptyList;

    /// <summary>The fee recipient (coinbase).</summary>
    public Address Beneficiary { get; init; }

    public Hash256 StateRoot { get; init; }

    public Hash256 TransactionsRoot { get; init; } = Keccak256.EmptyTrieRoot;

    public Hash256 ReceiptsRoot { get; init; } = Keccak256.EmptyTrieRoot;

    public Bloom LogsBloom { get; init; } = new();

    public UInt256 Difficulty { get; init; }

    public ulong Number { get; init; }

    public ulong GasLimit { get; init; }

    public ulong GasUsed { get; init; }

    public ulong Timestamp { get; init; }

    public ReadOnlyMemory<byte> ExtraData { get; init; }

    /// <summary>Proof-of-work mix hash; PREVRANDAO from the Merge on.</summary>
    public Hash256 MixHash { get; init; }

    /// <summary>The 8-byte proof-of-work nonce (zero from the Merge on).</summary>
    public ulong Nonce { get; init; }

    public UInt256? BaseFeePerGas { get; init; }

    public Hash256? WithdrawalsRoot { get; init; }

    public ulong? BlobGasUsed { get; init; }

    public ulong? ExcessBlobGas { get; init; }

    public Hash256? ParentBeaconBlockRoot { get; init; }

    /// <summary>EIP-7685 commitment to the execution-layer requests (Prague).</summary>
    public Hash256? RequestsHash { get; init; }

    /// <summary>keccak256 of the header's RLP encoding.</summary>
    public Hash256 Hash => (_hash ??= new Computed<Hash256>(Keccak256.Hash(Encoded.Span))).Value;

    /// <summary>The RLP encoding; for a decoded header, the slice of the input it came from.</summary>
    public ReadOnlyMemory<byte> Encoded => (_encoded ??= new Computed<ReadOnlyMemory<byte>>(Encode())).Value;

    public int EncodedLength => Encoded.Length;

    public void WriteTo(ref RlpWriter writer) => writer.WriteRaw(Encoded.Span);

    /// <summary>Decodes a header that is the whole of <paramref name="encoded"/>.</summary>
    /// <exception cref="RlpException">Malformed or non-canonical RLP, a wrong field size, or trailing bytes.</exception>
    public static BlockHeader Decode(ReadOnlyMemory<byte> encoded)
    {
        var reader = new RlpReader(encoded.Span);
        BlockHeader header = Read(ref reader, encoded);
        reader.EnsureEnd();
        return header;
    }

    /// <summary>Reads a header item; <paramref name="source"/> is the buffer the outermost reader spans.</summary>
    public static BlockHeader Read(ref RlpReader reader, ReadOnlyMemory<byte> source)
    {
        int start = reader.Position;
        RlpReader fields = reader.EnterList();
        Hash256 parentHash = fields.ReadHash();
        Hash256 ommersHash = fields.ReadHash();
        Address beneficiary = fields.ReadAddress();
        Hash256 stateRoot = fields.ReadHash();
        Hash256 transactionsRoot = fields.ReadHash();
        Hash256 receiptsRoot = fields.ReadHash();
        int bloomOffset = fields.Position;
        ReadOnlySpan<byte> bloom = fields.ReadBytes();
        if (bloom.Length != Bloom.Size)
        {
            throw new RlpException($"Invalid block header at offset {bloomOffset}: logs bloom must be {Bloom.Size} bytes, found {bloom.Length}.");
        }

        UInt256 difficulty = fields.ReadUInt256();
        ulong number = fields.ReadUInt64();
        ulong gasLimit = fields.ReadUInt64();
        ulong gasUsed = fields.ReadUInt64();
        ulong timestamp = fields.ReadUInt64();
        int extraLength = fields.ReadBytes().Length;
        ReadOnlyMemory<byte> extraData = source.Slice(fields.Position - extraLength, extraLength);
        Hash256 mixHash = fields.ReadHash();
        int nonceOffset = fields.Position;
        ReadOnlySpan<byte> nonce = fields.ReadBytes();
        if (nonce.Length != 8)
        {
            throw new RlpException($"Invalid block header at offset {nonceOffset}: nonce must be 8 bytes, found {nonce.Length}.");
        }

        UInt256? baseFee = fields.IsEmpty ? null : fields.ReadUInt256();
        Hash256? withdrawalsRoot = fields.IsEmpty ? null : fields.ReadHash();
        ulong? blobGasUsed = fields.IsEmpty ? null : fields.ReadUInt64();
        ulong? excessBlobGas = fields.IsEmpty ? null : fields.ReadUInt64();
        Hash256? parentBeaconBlockRoot = fields.IsEmpty ? null : fields.ReadHash();
        Hash256? requestsHash = fields.IsEmpty ? null : fields.ReadHash();
        fields.EnsureEnd();

        return new BlockHeader
        {
            ParentHash = parentHash,
            OmmersHash = ommersHash,
            Beneficiary = beneficiary,
            StateRoot = stateRoot,
            TransactionsRoot = transactionsRoot,
            ReceiptsRoot = receiptsRoot,
            LogsBloom = new Bloom(bloom),
            Difficulty = difficulty,
            Number = number,
            GasLimit = gasLimit,
            GasUsed = gasUsed,
            Timestamp = timestamp,
            ExtraData = extraData,
            MixHash = mixHash,
            Nonce = BinaryPrimitives.ReadUInt64BigEndian(nonce),
            BaseFeePerGas = baseFee,
            WithdrawalsRoot = withdrawalsRoot,
            BlobGasUsed = blobGasUsed,
            ExcessBlobGas = excessBlobGas,
            ParentBeaconBlockRoot = parentBeaconBlockRoot,
            RequestsHash = requestsHash,
            _encoded = new Computed<ReadOnlyMemory<byte>>(source.Slice(start, reader.Position - start)),
        };
    }

    /// <summary>Number of optional trailing fields present; throws if one is set after an absent one.</summary>
    private int TrailingFieldCount()
    {
        bool[] present =
        [
            BaseFeePerGas.HasValue, WithdrawalsRoot.HasValue, BlobGasUsed.HasValue, ExcessBlobGas.HasValue,
            ParentBeaconBlockRoot.HasValue, RequestsHash.HasValue,
        ];
        int count = Array.IndexOf(present, false);
        count = count < 0 ? present.Length : count;
        if (Array.IndexOf(present, true, count) >= 0)
        {
            throw new InvalidOperationException("A block header's optional fields must be present in order: a later fork's field is set while an earlier one is absent.");
        }

        return count;
    }

    private byte[] Encode()
    {
        int trailing = TrailingFieldCount();
        int content = ((1 + Hash256.Size) * 5) + 1 + Address.Size + RlpCodec.LengthOfBytes(LogsBloom.Bytes) +
            RlpCodec.LengthOf(Difficulty) + RlpCodec.LengthOf(Number) + RlpCodec.LengthOf(GasLimit) + RlpCodec.LengthOf(GasUsed) +
            RlpCodec.LengthOf(Timestamp) + RlpCodec.LengthOfBytes(ExtraData.Span) + 1 + Hash256.Size + 9;
        if (trailing > 0)
        {
            content += RlpCodec.LengthOf(BaseFeePerGas.GetValueOrDefault());
        }

        if (trailing > 1)
        {
            content += 1 + Hash256.Size;
        }

        if (trailing > 2)
        {
            content += RlpCodec.LengthOf(BlobGasUsed.GetValueOrDefault());
        }

        if (trailing > 3)
        {
            content += RlpCodec.LengthOf(ExcessBlobGas.GetValueOrDefault());
        }

        content += Math.Max(0, trailing - 4) * (1 + Hash256.Size);

        var result = new byte[RlpCodec.LengthOfList(content)];
        var writer = new RlpWriter(result);
        writer.WriteListHeader(content);
        writer.WriteHash(ParentHash);
        writer.WriteHash(OmmersHash);
        writer.WriteAddress(Beneficiary);
        writer.WriteHash(StateRoot);
        writer.WriteHash(TransactionsRoot);
        writer.WriteHash(ReceiptsRoot);
        writer.WriteBytes(LogsBloom.Bytes);
        writer.WriteUInt256(Difficulty);
        writer.WriteUInt64(Number);
        writer.WriteUInt64(GasLimit);
        writer.WriteUInt64(GasUsed);
        writer.WriteUInt64(Timestamp);
        writer.WriteBytes(ExtraData.Span);
        writer.WriteHash(MixHash);
        Span<byte> nonce = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(nonce, Nonce);
        writer.WriteBytes(nonce);
        if (trailing > 0)
        {
            writer.WriteUInt256(BaseFeePerGas.GetValueOrDefault());
        }

        if (trailing > 1)
        {
            writer.WriteHash(WithdrawalsRoot.GetValueOrDefault());
        }

        if (trailing > 2)
        {
            writer.WriteUInt64(BlobGasUsed.GetValueOrDefault());
        }

        if (trailing > 3)
        {
            writer.WriteUInt64(ExcessBlobGas.GetValueOrDefault());
        }

        if (trailing > 4)
        {
            writer.WriteHash(ParentBeaconBlockRoot.GetValueOrDefault());
        }

        if (trailing > 5)
        {
            writer.WriteHash(RequestsHash.GetValueOrDefault());
        }

        return result;
    }
}
