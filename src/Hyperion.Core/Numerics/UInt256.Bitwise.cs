using System.Runtime.CompilerServices;

namespace Hyperion.Core;

public readonly partial struct UInt256
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void And(in UInt256 a, in UInt256 b, out UInt256 result) =>
        result = new UInt256(a.U0 & b.U0, a.U1 & b.U1, a.U2 & b.U2, a.U3 & b.U3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Or(in UInt256 a, in UInt256 b, out UInt256 result) =>
        result = new UInt256(a.U0 | b.U0, a.U1 | b.U1, a.U2 | b.U2, a.U3 | b.U3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Xor(in UInt256 a, in UInt256 b, out UInt256 result) =>
        result = new UInt256(a.U0 ^ b.U0, a.U1 ^ b.U1, a.U2 ^ b.U2, a.U3 ^ b.U3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Not(in UInt256 a, out UInt256 result) => result = new UInt256(~a.U0, ~a.U1, ~a.U2, ~a.U3);

    /// <summary>Logical shift left; a shift outside 0..255 (also a negative one) gives zero, as EVM SHL.</summary>
    public static void ShiftLeft(in UInt256 value, int shift, out UInt256 result)
    {
        if ((uint)shift >= 256)
        {
            result = Zero;
            return;
        }
        int limbShift = shift >> 6;
        int bitShift = shift & 63;
        ulong r0 = 0, r1 = 0, r2 = 0, r3 = 0;
        // Limb k of the result comes from limbs k - limbShift (shifted up) and k - limbShift - 1 (its top bits).
        switch (limbShift)
        {
            case 0:
                r0 = value.U0; r1 = value.U1; r2 = value.U2; r3 = value.U3;
                break;
            case 1:
                r1 = value.U0; r2 = value.U1; r3 = value.U2;
                break;
            case 2:
                r2 = value.U0; r3 = value.U1;
                break;
            default:
                r3 = value.U0;
                break;
        }
        if (bitShift != 0)
        {
            int back = 64 - bitShift;
            r3 = (r3 << bitShift) | (r2 >> back);
            r2 = (r2 << bitShift) | (r1 >> back);
            r1 = (r1 << bitShift) | (r0 >> back);
            r0 <<= bitShift;
        }
        result = new UInt256(r0, r1, r2, r3);
    }

    /// <summary>Logical shift right; a shift outside 0..255 (also a negative one) gives zero, as EVM SHR.</summary>
    public static void ShiftRight(in UInt256 value, int shift, out UInt256 result)
    {
        if ((uint)shift >= 256)
        {
            result = Zero;
            return;
        }
        int limbShift = shift >> 6;
        int bitShift = shift & 63;
        ulong r0 = 0, r1 = 0, r2 = 0, r3 = 0;
        switch (limbShift)
        {
            case 0:
                r0 = value.U0; r1 = value.U1; r2 = value.U2; r3 = value.U3;
                break;
            case 1:
                r0 = value.U1; r1 = value.U2; r2 = value.U3;
                break;
            case 2:
                r0 = value.U2; r1 = value.U3;
                break;
            default:
                r0 = value.U3;
                break;
        }
        if (bitShift != 0)
        {
            int back = 64 - bitShift;
            r0 = (r0 >> bitShift) | (r1 << back);
            r1 = (r1 >> bitShift) | (r2 << back);
            r2 = (r2 >> bitShift) | (r3 << back);
            r3 >>= bitShift;
        }
        result = new UInt256(r0, r1, r2, r3);
    }

    /// <summary>
    /// Arithmetic (sign-filling) shift right in the two's complement view, as EVM SAR: a shift outside 0..255
    /// (also a negative one) gives 0 for a non-negative value and all ones for a negative one.
    /// </summary>
    public static void ArithmeticShiftRight(in UInt256 value, int shift, out UInt256 result)
    {
        if (!value.IsNegative)
        {
            ShiftRight(in value, shift, out result);
            return;
        }
        // For negative x: x >>arith s == ~(~x >>logical s).
        Not(in value, out UInt256 inverted);
        ShiftRight(in inverted, shift, out UInt256 shifted);
        Not(in shifted, out result);
    }

    /// <summary>
    /// EVM SIGNEXTEND(b, x): extends the sign of byte <paramref name="byteIndex"/> (0 = least significant) of
    /// <paramref name="value"/> to the full word; an index of 31 or more leaves the value unchanged.
    /// </summary>
    public static void SignExtend(in UInt256 byteIndex, in UInt256 value, out UInt256 result)
    {
        if (!byteIndex.IsUInt64 || byteIndex.U0 >= 31)
        {
            result = value;
            return;
        }
        // Limb by limb, branch-free within the sign's limb: limbs below it stay, limbs above it become the sign
        // (all ones or zero), and in it the bits above the sign bit are replaced by the sign.
        int signBit = (int)byteIndex.U0 * 8 + 7;
        int limb = signBit >> 6;
        ulong extended = ExtendSign(value.Limb(limb), signBit & 63, out ulong sign);
        result = limb switch
        {
            0 => new UInt256(extended, sign, sign, sign),
            1 => new UInt256(value.U0, extended, sign, sign),
            2 => new UInt256(value.U0, value.U1, extended, sign),
            _ => new UInt256(value.U0, value.U1, value.U2, extended),
        };
    }

    /// <summary>
    /// <see cref="SignExtend(in UInt256, in UInt256, out UInt256)"/> with the result written over
    /// <paramref name="value"/> (which must not be <paramref name="byteIndex"/>): only the limbs from the sign's up are
    /// written, each as one 8-byte store.
    /// </summary>
    public static void SignExtendInPlace(in UInt256 byteIndex, ref UInt256 value)
    {
        if (!byteIndex.IsUInt64 || byteIndex.U0 >= 31)
        {
            return;
        }

        int signBit = (int)byteIndex.U0 * 8 + 7;
        int limb = signBit >> 6;
        ref ulong limbs = ref Unsafe.AsRef(in value.U0);
        Unsafe.Add(ref limbs, limb) = ExtendSign(Unsafe.Add(ref limbs, limb), signBit & 63, out ulong sign);
        if (limb < 3)
        {
            Unsafe.Add(ref limbs, 3) = sign;
            if (limb < 2)
            {
                Unsafe.Add(ref limbs, 2) = sign;
                if (limb < 1)
                {
                    Unsafe.Add(ref limbs, 1) = sign;
                }
            }
        }
    }

    /// <summary>
    /// The limb holding the sign bit (<paramref name="bit"/>, 0–63) with the bits above it replaced by the sign, and the
    /// sign (all ones or zero) for the limbs above it. Branch-free.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ExtendSign(ulong signLimb, int bit, out ulong sign)
    {
        sign = (ulong)((long)(signLimb << (63 - bit)) >> 63);
        ulong kept = ulong.MaxValue >> (63 - bit);
        return (signLimb & kept) | (sign & ~kept);
    }

    /// <summary>EVM BYTE(i, x): byte <paramref name="index"/> of the 32-byte big-endian form (0 = most significant); 0 when i ≥ 32.</summary>
    public static void Byte(in UInt256 index, in UInt256 value, out UInt256 result)
    {
        if (!index.IsUInt64 || index.U0 >= 32)
        {
            result = Zero;
            return;
        }
        int littleEndianByte = 31 - (int)index.U0;
        ulong limb = value.Limb(littleEndianByte >> 3);
        result = new UInt256((limb >> ((littleEndianByte & 7) * 8)) & 0xFF);
    }

    public static UInt256 operator &(UInt256 a, UInt256 b)
    {
        And(in a, in b, out UInt256 result);
        return result;
    }

    public static UInt256 operator |(UInt256 a, UInt256 b)
    {
        Or(in a, in b, out UInt256 result);
        return result;
    }

    public static UInt256 operator ^(UInt256 a, UInt256 b)
    {
        Xor(in a, in b, out UInt256 result);
        return result;
    }

    public static UInt256 operator ~(UInt256 a)
    {
        Not(in a, out UInt256 result);
        return result;
    }

    /// <summary>Shift left; unlike the built-in integer shifts the count is not masked: 256 or more (or negative) gives zero.</summary>
    public static UInt256 operator <<(UInt256 value, int shift)
    {
        ShiftLeft(in value, shift, out UInt256 result);
        return result;
    }

    /// <summary>Logical shift right; unlike the built-in integer shifts the count is not masked: 256 or more (or negative) gives zero.</summary>
    public static UInt256 operator >>(UInt256 value, int shift)
    {
        ShiftRight(in value, shift, out UInt256 result);
        return result;
    }
}
