using System.Numerics;

namespace Hyperion.Evm.Precompiles;

/// <summary>0x05 modexp (EIP-198) priced by EIP-2565.</summary>
public static class ModExpPrecompile
{
    private const int HeaderLength = 96;

    // Lengths beyond this are never affordable; clamping keeps all arithmetic in range.
    private const ulong LengthCap = 1UL << 32;

    public static long RequiredGas(ReadOnlySpan<byte> input)
    {
        ulong baseLength = ReadLength(input, 0);
        ulong expLength = ReadLength(input, 32);
        ulong modLength = ReadLength(input, 64);

        ulong words = (Math.Max(baseLength, modLength) + 7) / 8;
        UInt128 complexity = (UInt128)words * words;

        ulong iterations;
        ulong headLength = Math.Min(expLength, 32);
        int headBits = BitLength(Slice(input, HeaderLength + baseLength, headLength), headLength);
        if (expLength <= 32)
        {
            iterations = headBits == 0 ? 0 : (ulong)headBits - 1;
        }
        else
        {
            iterations = 8 * (expLength - 32) + (headBits == 0 ? 0 : (ulong)headBits - 1);
        }

        if (complexity == 0)
        {
            return 200;
        }

        // A clamped length means the true cost exceeds any gas limit (complexity >= 1 here).
        if (baseLength >= LengthCap || expLength >= LengthCap || modLength >= LengthCap)
        {
            return long.MaxValue;
        }

        UInt128 gas = complexity * Math.Max(iterations, 1) / 3;
        if (gas > long.MaxValue)
        {
            return long.MaxValue;
        }

        return Math.Max(200L, (long)gas);
    }

    public static bool TryRun(ReadOnlySpan<byte> input, out byte[] output)
    {
        ulong baseLength = ReadLength(input, 0);
        ulong expLength = ReadLength(input, 32);
        ulong modLength = ReadLength(input, 64);
        if (modLength == 0)
        {
            output = [];
            return true;
        }

        // Anything this large has already been refused by gas; guard anyway so a direct call cannot allocate.
        if (baseLength > int.MaxValue || expLength > int.MaxValue || modLength > int.MaxValue)
        {
            output = [];
            return false;
        }

        var modulus = ReadUnsigned(input, HeaderLength + baseLength + expLength, modLength);
        output = new byte[modLength];
        if (modulus.IsZero)
        {
            return true;
        }

        var baseValue = ReadUnsigned(input, HeaderLength, baseLength);
        var exponent = ReadUnsigned(input, HeaderLength + baseLength, expLength);
        var result = BigInteger.ModPow(baseValue, exponent, modulus);
        int size = result.GetByteCount(isUnsigned: true);
        result.TryWriteBytes(output.AsSpan((int)modLength - size), out _, isUnsigned: true, isBigEndian: true);
        return true;
    }

    /// <summary>A 32-byte big-endian length word, zero-padded, clamped to <see cref="LengthCap"/>.</summary>
    private static ulong ReadLength(ReadOnlySpan<byte> input, int offset)
    {
        Span<byte> word = stackalloc byte[32];
        Slice(input, (ulong)offset, 32).CopyTo(word);
        word[Slice(input, (ulong)offset, 32).Length..].Clear();
        for (int i = 0; i < 24; i++)
        {
            if (word[i] != 0)
            {
                return LengthCap;
            }
        }

        ulong value = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(word[24..]);
        return Math.Min(value, LengthCap);
    }

    /// <summary>The bytes of input[offset, offset+length) that exist (the rest are implicit zeros).</summary>
    private static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> input, ulong offset, ulong length)
    {
        if (offset >= (ulong)input.Length)
        {
            return [];
        }

        ulong available = (ulong)input.Length - offset;
        return input.Slice((int)offset, (int)Math.Min(available, length));
    }

    /// <summary>Bit length of a big-endian value of <paramref name="length"/> bytes of which only a prefix is present (the rest are zeros).</summary>
    private static int BitLength(ReadOnlySpan<byte> present, ulong length)
    {
        for (int i = 0; i < present.Length; i++)
        {
            if (present[i] != 0)
            {
                return (int)(length - (ulong)i - 1) * 8 + (32 - BitOperations.LeadingZeroCount((uint)present[i]));
            }
        }

        return 0;
    }

    private static BigInteger ReadUnsigned(ReadOnlySpan<byte> input, ulong offset, ulong length)
    {
        if (length == 0)
        {
            return BigInteger.Zero;
        }

        byte[] buffer = new byte[length];
        Slice(input, offset, length).CopyTo(buffer);
        return new BigInteger(buffer, isUnsigned: true, isBigEndian: true);
    }
}
