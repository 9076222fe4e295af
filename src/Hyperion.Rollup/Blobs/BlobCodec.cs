namespace Hyperion.Rollup.Blobs;

/// <summary>
/// The OP-stack blob encoding, version 0 (ecotone/derivation.md "Blob Encoding"): 4096 field elements of 32 bytes;
/// every 4 field elements carry 127 bytes of rollup data (31 bytes in each element's low bytes, and 3 bytes spread
/// over the 6 usable bits of the 4 high bytes). The data stream is <c>version (0) ++ uint24 length ++ data</c>,
/// zero-padded. Decoding is strict so that the encoding is a bijection: every element's two top bits are zero and
/// everything past the declared length is zero.
/// </summary>
public static class BlobCodec
{
    public const int FieldElementsPerBlob = 4096;
    public const int BytesPerFieldElement = 32;
    public const int BlobSize = FieldElementsPerBlob * BytesPerFieldElement;

    /// <summary>Bytes of rollup data one round (4 field elements) carries.</summary>
    public const int BytesPerRound = 127;

    private const int Rounds = FieldElementsPerBlob / 4;
    private const int StreamSize = Rounds * BytesPerRound; // 130,048
    private const int HeaderSize = 4;

    /// <summary>The most data one blob holds: 130,044 bytes.</summary>
    public const int MaxDataSize = StreamSize - HeaderSize;

    public const byte EncodingVersion = 0;

    /// <exception cref="ArgumentException">More than <see cref="MaxDataSize"/> bytes.</exception>
    public static byte[] Encode(ReadOnlySpan<byte> data)
    {
        if (data.Length > MaxDataSize)
        {
            throw new ArgumentException($"{data.Length} bytes do not fit in a blob (max {MaxDataSize})", nameof(data));
        }

        byte[] stream = new byte[StreamSize];
        stream[0] = EncodingVersion;
        stream[1] = (byte)(data.Length >> 16);
        stream[2] = (byte)(data.Length >> 8);
        stream[3] = (byte)data.Length;
        data.CopyTo(stream.AsSpan(HeaderSize));

        byte[] blob = new byte[BlobSize];
        int rounds = Math.Min(Rounds, ((HeaderSize + data.Length) + BytesPerRound - 1) / BytesPerRound);
        for (int r = 0; r < rounds; r++)
        {
            ReadOnlySpan<byte> p = stream.AsSpan(r * BytesPerRound, BytesPerRound);
            Span<byte> b = blob.AsSpan(r * 128, 128);
            byte x = p[31], y = p[63], z = p[95];
            b[0] = (byte)(x & 0b0011_1111);
            p[..31].CopyTo(b[1..]);
            b[32] = (byte)((y & 0b0000_1111) | ((x & 0b1100_0000) >> 2));
            p.Slice(32, 31).CopyTo(b[33..]);
            b[64] = (byte)(z & 0b0011_1111);
            p.Slice(64, 31).CopyTo(b[65..]);
            b[96] = (byte)(((z & 0b1100_0000) >> 2) | ((y & 0b1111_0000) >> 4));
            p.Slice(96, 31).CopyTo(b[97..]);
        }

        return blob;
    }

    /// <summary>The rollup data in a blob.</summary>
    /// <exception cref="RollupDecodeException">Wrong size, a field element with a top bit set, unknown version, a length over the maximum, or non-zero data past the length.</exception>
    public static byte[] Decode(ReadOnlySpan<byte> blob)
    {
        if (blob.Length != BlobSize)
        {
            throw new RollupDecodeException($"a blob is {BlobSize} bytes, got {blob.Length}");
        }

        byte[] stream = new byte[StreamSize];
        for (int r = 0; r < Rounds; r++)
        {
            ReadOnlySpan<byte> b = blob.Slice(r * 128, 128);
            byte a = b[0], bb = b[32], c = b[64], d = b[96];
            if (((a | bb | c | d) & 0b1100_0000) != 0)
            {
                throw new RollupDecodeException($"blob field element in round {r} has a top bit set");
            }

            Span<byte> p = stream.AsSpan(r * BytesPerRound, BytesPerRound);
            b.Slice(1, 31).CopyTo(p);
            p[31] = (byte)((a & 0b0011_1111) | ((bb & 0b0011_0000) << 2));
            b.Slice(33, 31).CopyTo(p[32..]);
            p[63] = (byte)((bb & 0b0000_1111) | ((d & 0b0000_1111) << 4));
            b.Slice(65, 31).CopyTo(p[64..]);
            p[95] = (byte)((c & 0b0011_1111) | ((d & 0b0011_0000) << 2));
            b.Slice(97, 31).CopyTo(p[96..]);
        }

        if (stream[0] != EncodingVersion)
        {
            throw new RollupDecodeException($"unknown blob encoding version {stream[0]}");
        }

        int length = (stream[1] << 16) | (stream[2] << 8) | stream[3];
        if (length > MaxDataSize)
        {
            throw new RollupDecodeException($"blob data length {length} exceeds {MaxDataSize}");
        }

        if (stream.AsSpan(HeaderSize + length).ContainsAnyExcept((byte)0))
        {
            throw new RollupDecodeException("blob has non-zero data past its length");
        }

        return stream.AsSpan(HeaderSize, length).ToArray();
    }
}
