using System.Runtime.CompilerServices;

namespace Hyperion.Core;

/// <summary>Carry and borrow steps for multi-limb (64-bit word) integer arithmetic: UInt256 and the BLS12-381 field.</summary>
public static class LimbArithmetic
{
    /// <summary>x + y + carry; <paramref name="carry"/> (0 or 1) becomes the carry out.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong AddWithCarry(ulong x, ulong y, ref ulong carry)
    {
        ulong sum = x + y;
        ulong carryOut = sum < x ? 1UL : 0UL;
        ulong total = sum + carry;
        carry = carryOut | (total < sum ? 1UL : 0UL);
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
}
