using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Hyperion.Core;

/// <summary>Carry and borrow steps for multi-limb (64-bit word) integer arithmetic: UInt256 and the BLS12-381 field.</summary>
public static class LimbArithmetic
{
    /// <summary>
    /// x + y + carry; <paramref name="carry"/> becomes the carry out. Usually 0 or 1; any carry in gives the exact carry
    /// out (0, 1 or 2): the two overflows are counted, not or-ed (a chain carrying a +1 on top of a carry needs that).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong AddWithCarry(ulong x, ulong y, ref ulong carry)
    {
        ulong sum = x + y;
        ulong carryOut = sum < x ? 1UL : 0UL;
        ulong total = sum + carry;
        carry = carryOut + (total < sum ? 1UL : 0UL);
        return total;
    }

    /// <summary>x − y − borrow; <paramref name="borrow"/> (0 or 1) becomes the borrow out.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong SubtractWithBorrow(ulong x, ulong y, ref ulong borrow)
    {
        ulong difference = x - y;
        ulong borrowOut = x < y ? 1UL : 0UL;
        ulong total = difference - borrow;
        borrow = borrowOut | (difference < borrow ? 1UL : 0UL);
        return total;
    }

    /// <summary>
    /// The 128-bit product x · y: returns the high limb, <paramref name="low"/> the low one. Math.BigMul computes the
    /// same, but on x64 it passes the low limb to MULX through memory, a store and reload on every limb product of the
    /// UInt256 hot paths; MULX for the high limb and a separate multiply for the low one stay in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MultiplyWide(ulong x, ulong y, out ulong low)
    {
        if (Bmi2.X64.IsSupported)
        {
            low = x * y;
            return Bmi2.X64.MultiplyNoFlags(x, y);
        }

        return Math.BigMul(x, y, out low);
    }
}
