using System.Runtime.CompilerServices;
using static Hyperion.Core.LimbArithmetic;

namespace Hyperion.Core;

public readonly partial struct UInt256
{
    /// <summary>
    /// MULMOD's reciprocal for one four-limb modulus m (m.U3 ≠ 0): μ = ⌊2^512 / m⌋ (five limbs for m &gt; 2^192), with the
    /// modulus that last missed and how many times in a row, so μ is computed only for a modulus that repeats.
    /// </summary>
    internal struct BarrettReciprocal
    {
        /// <summary>The modulus <see cref="Mu0"/>..<see cref="Mu4"/> belong to; zero when none is cached (MULMOD by 0 never gets here).</summary>
        public UInt256 Modulus;
        public ulong Mu0, Mu1, Mu2, Mu3, Mu4;
        /// <summary>The last four-limb modulus that was not <see cref="Modulus"/>, and its count of consecutive misses.</summary>
        public UInt256 Candidate;
        public int CandidateMisses;
    }

    /// <summary>
    /// Misses on one modulus before its μ is computed. Computing μ costs about one Knuth reduction; after this many
    /// consecutive misses, code that alternates moduli pays at most 1/(this + 1) of a Barrett reduction per MULMOD
    /// over the Knuth-only cost (and nothing when it never repeats a modulus).
    /// </summary>
    internal const int BarrettMissesBeforeReciprocal = 4;

    /// <summary>Per thread, so no locking; the cache changes only speed, never a result.</summary>
    [ThreadStatic] private static BarrettReciprocal t_barrettReciprocal;

    /// <summary>The modulus whose reciprocal this thread has cached (zero for none): lets tests see which path ran.</summary>
    internal static UInt256 CachedReciprocalModulus => t_barrettReciprocal.Modulus;

    /// <summary>
    /// The 8-limb number at <paramref name="x"/> (one more limb of room; may be overwritten) modulo the four-limb
    /// <paramref name="modulus"/>: Barrett when the modulus's reciprocal is cached (the hot case: modular arithmetic
    /// over one prime field), else Knuth D (<see cref="Reduce512By256"/>), noting the miss.
    /// </summary>
    private static unsafe UInt256 Reduce512(ulong* x, in UInt256 modulus)
    {
        ref BarrettReciprocal cache = ref t_barrettReciprocal;
        if (cache.Modulus.Equals(modulus))
        {
            return ReduceBarrett(x, in modulus, in cache);
        }

        if (!cache.Candidate.Equals(modulus))
        {
            cache.Candidate = modulus;
            cache.CandidateMisses = 1;
        }
        else if (++cache.CandidateMisses >= BarrettMissesBeforeReciprocal)
        {
            cache.CandidateMisses = 0;
            if (TryComputeReciprocal(in modulus, ref cache))
            {
                return ReduceBarrett(x, in modulus, in cache);
            }
        }

        return Reduce512By256(x, in modulus);
    }

    /// <summary>
    /// Sets <paramref name="reciprocal"/> to μ = ⌊2^512 / m⌋ for the four-limb <paramref name="modulus"/>; false (cache
    /// unchanged) for m = 2^192, whose μ = 2^320 needs a sixth limb.
    /// </summary>
    internal static unsafe bool TryComputeReciprocal(in UInt256 modulus, ref BarrettReciprocal reciprocal)
    {
        ulong* dividend = stackalloc ulong[10];
        new Span<ulong>(dividend, 10).Clear();
        dividend[8] = 1;
        ulong* divisor = stackalloc ulong[4];
        StoreLimbs(in modulus, divisor);
        ulong* quotient = stackalloc ulong[6];
        ulong* remainder = stackalloc ulong[4];
        DivideLimbs(dividend, 9, divisor, 4, quotient, remainder);
        if (quotient[5] != 0)
        {
            return false;
        }

        reciprocal.Modulus = modulus;
        reciprocal.Mu0 = quotient[0];
        reciprocal.Mu1 = quotient[1];
        reciprocal.Mu2 = quotient[2];
        reciprocal.Mu3 = quotient[3];
        reciprocal.Mu4 = quotient[4];
        return true;
    }

    /// <summary>
    /// x mod m by Barrett reduction (HAC 14.42 with base 2^64, k = 4) for x &lt; 2^512 and 2^192 &lt; m &lt; 2^256 with
    /// μ = ⌊2^512 / m⌋ from <paramref name="reciprocal"/>. The quotient estimate q̂ = ⌊⌊x / 2^192⌋ · μ / 2^320⌋ is at
    /// most 2 below ⌊x / m⌋ (x/m − ⌊x/2^192⌋·μ/2^320 &lt; 2^192/m + ⌊x/2^192⌋/2^320 &lt; 2); the products of limbs i + j ≤ 2
    /// are left out of ⌊x / 2^192⌋ · μ (together below 2^258, so they change q̂ by at most 1 more). So x − q̂·m &lt; 4m
    /// &lt; 2^258, which five limbs hold exactly, and at most three subtractions of m finish. Unlike Knuth D's five
    /// quotient limbs, each waiting on the last, the limb products here are independent of each other.
    /// </summary>
    internal static unsafe UInt256 ReduceBarrett(ulong* x, in UInt256 modulus, in BarrettReciprocal reciprocal)
    {
        ulong a0 = x[3], a1 = x[4], a2 = x[5], a3 = x[6], a4 = x[7];
        ulong mu0 = reciprocal.Mu0, mu1 = reciprocal.Mu1, mu2 = reciprocal.Mu2, mu3 = reciprocal.Mu3, mu4 = reciprocal.Mu4;

        // Limbs 3..9 of (x >> 192) · μ without the products of limbs i + j ≤ 2; limbs 5..9 are q̂.
        ulong carry = MultiplyAdd(a0, mu3, 0, 0, out ulong t3);
        ulong t5 = MultiplyAdd(a0, mu4, 0, carry, out ulong t4);

        carry = MultiplyAdd(a1, mu2, t3, 0, out t3);
        carry = MultiplyAdd(a1, mu3, t4, carry, out t4);
        ulong t6 = MultiplyAdd(a1, mu4, t5, carry, out t5);

        carry = MultiplyAdd(a2, mu1, t3, 0, out t3);
        carry = MultiplyAdd(a2, mu2, t4, carry, out t4);
        carry = MultiplyAdd(a2, mu3, t5, carry, out t5);
        ulong t7 = MultiplyAdd(a2, mu4, t6, carry, out t6);

        carry = MultiplyAdd(a3, mu0, t3, 0, out _);
        carry = MultiplyAdd(a3, mu1, t4, carry, out t4);
        carry = MultiplyAdd(a3, mu2, t5, carry, out t5);
        carry = MultiplyAdd(a3, mu3, t6, carry, out t6);
        ulong t8 = MultiplyAdd(a3, mu4, t7, carry, out t7);

        carry = MultiplyAdd(a4, mu0, t4, 0, out _);
        carry = MultiplyAdd(a4, mu1, t5, carry, out t5);
        carry = MultiplyAdd(a4, mu2, t6, carry, out t6);
        carry = MultiplyAdd(a4, mu3, t7, carry, out t7);
        ulong t9 = MultiplyAdd(a4, mu4, t8, carry, out t8);

        // The low five limbs of q̂ · m (q̂ = t5..t9): the products of limbs i + j ≤ 4.
        ulong m0 = modulus.U0, m1 = modulus.U1, m2 = modulus.U2, m3 = modulus.U3;
        carry = MultiplyAdd(t5, m0, 0, 0, out ulong p0);
        carry = MultiplyAdd(t5, m1, 0, carry, out ulong p1);
        carry = MultiplyAdd(t5, m2, 0, carry, out ulong p2);
        ulong p4 = MultiplyAdd(t5, m3, 0, carry, out ulong p3);

        carry = MultiplyAdd(t6, m0, p1, 0, out p1);
        carry = MultiplyAdd(t6, m1, p2, carry, out p2);
        carry = MultiplyAdd(t6, m2, p3, carry, out p3);
        p4 += t6 * m3 + carry;

        carry = MultiplyAdd(t7, m0, p2, 0, out p2);
        carry = MultiplyAdd(t7, m1, p3, carry, out p3);
        p4 += t7 * m2 + carry;

        carry = MultiplyAdd(t8, m0, p3, 0, out p3);
        p4 += t8 * m1 + carry + t9 * m0;

        // r = x − q̂·m, exact modulo 2^320 since 0 ≤ r < 2^258.
        ulong borrow = 0;
        ulong r0 = SubtractWithBorrow(x[0], p0, ref borrow);
        ulong r1 = SubtractWithBorrow(x[1], p1, ref borrow);
        ulong r2 = SubtractWithBorrow(x[2], p2, ref borrow);
        ulong r3 = SubtractWithBorrow(a0, p3, ref borrow);
        ulong r4 = SubtractWithBorrow(a1, p4, ref borrow);

        // At most three subtractions (bounded, so no input can loop).
        for (int i = 0; i < 3 && (r4 != 0 || !LessThan(new UInt256(r0, r1, r2, r3), in modulus)); i++)
        {
            borrow = 0;
            r0 = SubtractWithBorrow(r0, m0, ref borrow);
            r1 = SubtractWithBorrow(r1, m1, ref borrow);
            r2 = SubtractWithBorrow(r2, m2, ref borrow);
            r3 = SubtractWithBorrow(r3, m3, ref borrow);
            r4 -= borrow;
        }

        return new UInt256(r0, r1, r2, r3);
    }
}
