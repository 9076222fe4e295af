using System.Numerics;
using System.Runtime.CompilerServices;
using static Hyperion.Core.LimbArithmetic;

namespace Hyperion.Core;

public readonly partial struct UInt256
{
    /// <summary>
    /// MULMOD's (and ADDMOD's) reduction constants for one four-limb modulus m (m.U3 ≠ 0): the divisor d = m · 2^s
    /// normalized so its top bit is set, and its reciprocal v = ⌊(2^512 − 1) / d⌋ − 2^256, as in Möller and Granlund,
    /// "Improved division by invariant integers" (2011), with 256-bit words. Also the modulus that last missed and how
    /// many times in a row, so v is computed only for a modulus that repeats.
    /// </summary>
    internal struct ModulusReciprocal
    {
        /// <summary>The modulus the rest belongs to; zero when none is cached (MULMOD by 0 never gets here).</summary>
        public UInt256 Modulus;
        /// <summary>s: the leading zero bits of <see cref="Modulus"/> (0..63).</summary>
        public int Shift;
        /// <summary>d = <see cref="Modulus"/> · 2^s.</summary>
        public UInt256 Divisor;
        /// <summary>v = ⌊(2^512 − 1) / d⌋ − 2^256 (⌊(2^512 − 1) / d⌋ is in [2^256, 2^257) for a normalized d).</summary>
        public UInt256 Reciprocal;
        /// <summary>The last four-limb modulus that was not <see cref="Modulus"/>, and its count of consecutive misses.</summary>
        public UInt256 Candidate;
        public int CandidateMisses;
    }

    /// <summary>
    /// Misses on one modulus before its reciprocal is computed. Computing it costs about one Knuth reduction; after this
    /// many consecutive misses, code that alternates moduli pays at most 1/(this + 1) of a reduction per MULMOD over the
    /// Knuth-only cost (and nothing when it never repeats a modulus).
    /// </summary>
    internal const int MissesBeforeReciprocal = 4;

    /// <summary>Per thread, so no locking; the cache changes only speed, never a result.</summary>
    [ThreadStatic] private static ModulusReciprocal t_modulusReciprocal;

    /// <summary>The modulus whose reciprocal this thread has cached (zero for none): lets tests see which path ran.</summary>
    internal static UInt256 CachedReciprocalModulus => t_modulusReciprocal.Modulus;

    /// <summary>
    /// The 8-limb number at <paramref name="x"/> (one more limb of room; may be overwritten) modulo the four-limb
    /// <paramref name="modulus"/>: by the cached reciprocal when it is this modulus's (the hot case: modular arithmetic
    /// over one prime field), else Knuth D (<see cref="Reduce512By256"/>), noting the miss.
    /// </summary>
    private static unsafe UInt256 Reduce512(ulong* x, in UInt256 modulus)
    {
        ref ModulusReciprocal cache = ref t_modulusReciprocal;
        if (cache.Modulus.Equals(modulus))
        {
            return Reduce512ByReciprocal(x, in cache);
        }

        if (!cache.Candidate.Equals(modulus))
        {
            cache.Candidate = modulus;
            cache.CandidateMisses = 1;
        }
        else if (++cache.CandidateMisses >= MissesBeforeReciprocal)
        {
            cache.CandidateMisses = 0;
            ComputeReciprocal(in modulus, ref cache);
            return Reduce512ByReciprocal(x, in cache);
        }

        return Reduce512By256(x, in modulus);
    }

    /// <summary>Sets <paramref name="reciprocal"/>'s constants for the four-limb <paramref name="modulus"/> (U3 ≠ 0).</summary>
    internal static unsafe void ComputeReciprocal(in UInt256 modulus, ref ModulusReciprocal reciprocal)
    {
        int shift = BitOperations.LeadingZeroCount(modulus.U3);
        ShiftLeftSmall(in modulus, shift, out UInt256 divisor);
        ulong* dividend = stackalloc ulong[9];
        new Span<ulong>(dividend, 8).Fill(ulong.MaxValue);
        ulong* divisorLimbs = stackalloc ulong[4];
        StoreLimbs(in divisor, divisorLimbs);
        ulong* quotient = stackalloc ulong[5];
        ulong* remainder = stackalloc ulong[4];
        DivideLimbs(dividend, 8, divisorLimbs, 4, quotient, remainder);

        // quotient[4] is 1: ⌊(2^512 − 1) / d⌋ is in [2^256, 2^257) for 2^255 ≤ d < 2^256.
        reciprocal.Modulus = modulus;
        reciprocal.Shift = shift;
        reciprocal.Divisor = divisor;
        reciprocal.Reciprocal = new UInt256(quotient[0], quotient[1], quotient[2], quotient[3]);
    }

    /// <summary>
    /// x mod m for the 512-bit x at <paramref name="x"/>[0..7], with m's <paramref name="reciprocal"/>: with
    /// x · 2^s = u1 · 2^256 + u0 and d = m · 2^s, x mod m = ((u1 · 2^256 + u0) mod d) / 2^s, one division step when
    /// u1 &lt; d (x's top half below m, the usual case: a reduced operand times any word), two when not (the top half is
    /// reduced first).
    /// </summary>
    internal static unsafe UInt256 Reduce512ByReciprocal(ulong* x, in ModulusReciprocal reciprocal)
    {
        int shift = reciprocal.Shift;
        UInt256 high = new(x[4], x[5], x[6], x[7]);
        UInt256 low = new(x[0], x[1], x[2], x[3]);
        ShiftLeftSmall(in low, shift, out UInt256 low0);
        ulong lowCarry = ShiftedOutSmall(x[3], shift);
        UInt256 high1;
        if (LessThan(in high, in reciprocal.Modulus))
        {
            ShiftLeftSmall(in high, shift, out high1);
        }
        else
        {
            // (high mod m) · 2^s, whose low s bits are zero, as the next step's top word.
            ShiftLeftSmall(in high, shift, out UInt256 high0);
            high1 = DivideStepOneLimb(ShiftedOutSmall(high.U3, shift), in high0, in reciprocal);
        }

        UInt256 remainder = DivideStep(new UInt256(high1.U0 | lowCarry, high1.U1, high1.U2, high1.U3), in low0, in reciprocal);
        return ShiftRightSmall(in remainder, shift);
    }

    /// <summary>
    /// (a + b) mod m for the four-limb m with its cached <paramref name="reciprocal"/>: the 257-bit sum in one division
    /// step (its top word, sum · 2^s / 2^256, is below 2^64 ≤ d).
    /// </summary>
    private static UInt256 ReduceSumByReciprocal(in UInt256 sum, bool carry, in ModulusReciprocal reciprocal)
    {
        int shift = reciprocal.Shift;
        ShiftLeftSmall(in sum, shift, out UInt256 low);
        ulong top = ShiftedOutSmall(sum.U3, shift) | (carry ? 1UL << shift : 0);
        UInt256 remainder = DivideStepOneLimb(top, in low, in reciprocal);
        return ShiftRightSmall(in remainder, shift);
    }

    /// <summary>
    /// (u1 · 2^256 + u0) mod d for u1 &lt; d (d = <paramref name="reciprocal"/>'s normalized divisor): Möller and
    /// Granlund's 2/1 division (algorithm 4) with 256-bit words, remainder only. The quotient candidate q1 + 1 comes
    /// from the high half of v · u1 + u1 · 2^256 + u0; the remainder u0 − (q1 + 1) · d mod 2^256 is then exact after at
    /// most one addition of d (when it exceeds that sum's low half q0) and, rarely, one subtraction.
    /// </summary>
    [SkipLocalsInit]
    internal static unsafe UInt256 DivideStep(in UInt256 u1, in UInt256 u0, in ModulusReciprocal reciprocal)
    {
        ulong* product = stackalloc ulong[8];
        MultiplyFull(in reciprocal.Reciprocal, in u1, product);

        // (q1, q0) = v · u1 + (u1, u0), then q1 + 1 (mod 2^256 each): the +1 rides on the carry between the halves.
        ulong carry = 0;
        ulong q00 = AddWithCarry(product[0], u0.U0, ref carry);
        ulong q01 = AddWithCarry(product[1], u0.U1, ref carry);
        ulong q02 = AddWithCarry(product[2], u0.U2, ref carry);
        ulong q03 = AddWithCarry(product[3], u0.U3, ref carry);
        carry++;
        ulong q10 = AddWithCarry(product[4], u1.U0, ref carry);
        ulong q11 = AddWithCarry(product[5], u1.U1, ref carry);
        ulong q12 = AddWithCarry(product[6], u1.U2, ref carry);
        ulong q13 = product[7] + u1.U3 + carry;

        Multiply(new UInt256(q10, q11, q12, q13), in reciprocal.Divisor, out UInt256 estimate);
        SubtractUnderflow(in u0, in estimate, out UInt256 remainder);

        // remainder > q0: the candidate was one too large; add d back (a branch: cheaper here than a mask).
        ref readonly UInt256 d = ref reciprocal.Divisor;
        if (LessThan(new UInt256(q00, q01, q02, q03), in remainder))
        {
            AddOverflow(in remainder, in d, out remainder);
        }

        if (!LessThan(in remainder, in d))
        {
            SubtractUnderflow(in remainder, in d, out remainder);
        }

        return remainder;
    }

    /// <summary>
    /// <see cref="DivideStep"/> for a one-limb top word u1 (ADDMOD's 257-bit sum, or a product's top half ≥ m shifted
    /// out): v · u1 is four limb products instead of sixteen, and the quotient candidate q1 + 1 &lt; 2^66 two limbs, so
    /// q1 · d mod 2^256 is four more (the second limb, 0..2, is a rare branch).
    /// </summary>
    internal static UInt256 DivideStepOneLimb(ulong u1, in UInt256 u0, in ModulusReciprocal reciprocal)
    {
        ref readonly UInt256 v = ref reciprocal.Reciprocal;
        ulong carry = MultiplyAdd(u1, v.U0, 0, 0, out ulong p0);
        carry = MultiplyAdd(u1, v.U1, 0, carry, out ulong p1);
        carry = MultiplyAdd(u1, v.U2, 0, carry, out ulong p2);
        ulong p4 = MultiplyAdd(u1, v.U3, 0, carry, out ulong p3);

        // (q1, q0) = v · u1 + (u1, u0), then q1 + 1: q1 = p4 + u1 + carry + 1 in two limbs.
        carry = 0;
        ulong q00 = AddWithCarry(p0, u0.U0, ref carry);
        ulong q01 = AddWithCarry(p1, u0.U1, ref carry);
        ulong q02 = AddWithCarry(p2, u0.U2, ref carry);
        ulong q03 = AddWithCarry(p3, u0.U3, ref carry);
        carry++;
        ulong q10 = AddWithCarry(p4, u1, ref carry);
        ulong q11 = carry;

        ref readonly UInt256 d = ref reciprocal.Divisor;
        carry = MultiplyAdd(q10, d.U0, 0, 0, out ulong e0);
        carry = MultiplyAdd(q10, d.U1, 0, carry, out ulong e1);
        carry = MultiplyAdd(q10, d.U2, 0, carry, out ulong e2);
        ulong e3 = q10 * d.U3 + carry;
        if (q11 != 0)
        {
            carry = MultiplyAdd(q11, d.U0, e1, 0, out e1);
            carry = MultiplyAdd(q11, d.U1, e2, carry, out e2);
            e3 += q11 * d.U2 + carry;
        }

        SubtractUnderflow(in u0, new UInt256(e0, e1, e2, e3), out UInt256 remainder);
        if (LessThan(new UInt256(q00, q01, q02, q03), in remainder))
        {
            AddOverflow(in remainder, in d, out remainder);
        }

        if (!LessThan(in remainder, in d))
        {
            SubtractUnderflow(in remainder, in d, out remainder);
        }

        return remainder;
    }

    /// <summary>value · 2^shift mod 2^256 for 0 ≤ shift ≤ 63.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ShiftLeftSmall(in UInt256 value, int shift, out UInt256 result)
    {
        // (x >> 1) >> (63 − shift) is x >> (64 − shift), and 0 for shift = 0 where a shift by 64 would be by 0.
        int back = 63 - shift;
        result = new UInt256(
            value.U0 << shift,
            (value.U1 << shift) | ((value.U0 >> 1) >> back),
            (value.U2 << shift) | ((value.U1 >> 1) >> back),
            (value.U3 << shift) | ((value.U2 >> 1) >> back));
    }

    /// <summary>The top <paramref name="shift"/> bits of <paramref name="limb"/> (0 ≤ shift ≤ 63): what a left shift moves out.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ShiftedOutSmall(ulong limb, int shift) => (limb >> 1) >> (63 - shift);

    /// <summary>value / 2^shift for 0 ≤ shift ≤ 63.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static UInt256 ShiftRightSmall(in UInt256 value, int shift)
    {
        int back = 63 - shift;
        return new UInt256(
            (value.U0 >> shift) | ((value.U1 << 1) << back),
            (value.U1 >> shift) | ((value.U2 << 1) << back),
            (value.U2 >> shift) | ((value.U3 << 1) << back),
            value.U3 >> shift);
    }
}
