using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Hyperion.Evm.Precompiles;

/// <summary>
/// 64-bit word helpers for the curve fields' hot loops, all by value: helpers taking ref/out limbs make the JIT keep
/// those limbs in memory instead of registers.
/// </summary>
internal static class Words
{
    /// <summary>High word of a·b: MULX where available, so the low word (a plain multiply) needs no memory slot.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MultiplyHigh(ulong a, ulong b) => Bmi2.X64.IsSupported ? Bmi2.X64.MultiplyNoFlags(a, b) : Math.BigMul(a, b, out _);

    /// <summary>Carry out of sum = augend + addend (two operands).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong CarryOf(ulong sum, ulong addend) => sum < addend ? 1UL : 0UL;

    /// <summary>Carry out of sum = a + b + carryIn.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong CarryOf(ulong a, ulong b, ulong sum) => ((a & b) | ((a | b) & ~sum)) >> 63;

    /// <summary>Borrow out of difference = a − b − borrowIn.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong BorrowOf(ulong a, ulong b, ulong difference) => ((~a & b) | (~(a ^ b) & difference)) >> 63;
}
