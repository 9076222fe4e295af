using Hyperion.Core;

namespace Hyperion.Evm.Precompiles.Bn254;

/// <summary>
/// A point of a short Weierstrass curve y² = x³ + b (a = 0) in Jacobian coordinates (x = X/Z², y = Y/Z³) over the
/// field <typeparamref name="T"/>: G1 over Fp, the G2 twist over Fp2. Z = 0 is the point at infinity. The formulas
/// are dbl-2009-l and add-2007-bl from the Explicit-Formulas Database; none depends on b.
/// </summary>
internal readonly struct JacobianPoint<T> where T : unmanaged, IField<T>
{
    public readonly T X, Y, Z;

    public JacobianPoint(in T x, in T y, in T z)
    {
        X = x;
        Y = y;
        Z = z;
    }

    public static JacobianPoint<T> Infinity => new(T.One, T.One, T.Zero);

    public static JacobianPoint<T> FromAffine(in T x, in T y) => new(x, y, T.One);

    public bool IsInfinity => Z.IsZero;

    public JacobianPoint<T> Negate() => new(X, T.Negate(Y), Z);

    public static JacobianPoint<T> Double(in JacobianPoint<T> p)
    {
        if (p.IsInfinity || p.Y.IsZero)
        {
            return Infinity;
        }

        T a = T.Square(p.X);
        T b = T.Square(p.Y);
        T c = T.Square(b);
        T d = T.Double(T.Subtract(T.Subtract(T.Square(T.Add(p.X, b)), a), c));
        T e = T.Add(T.Double(a), a);
        T f = T.Square(e);
        T x3 = T.Subtract(f, T.Double(d));
        T eightC = T.Double(T.Double(T.Double(c)));
        T y3 = T.Subtract(T.Multiply(e, T.Subtract(d, x3)), eightC);
        T z3 = T.Double(T.Multiply(p.Y, p.Z));
        return new JacobianPoint<T>(x3, y3, z3);
    }

    public static JacobianPoint<T> Add(in JacobianPoint<T> p, in JacobianPoint<T> q)
    {
        if (p.IsInfinity)
        {
            return q;
        }

        if (q.IsInfinity)
        {
            return p;
        }

        T z1z1 = T.Square(p.Z);
        T z2z2 = T.Square(q.Z);
        T u1 = T.Multiply(p.X, z2z2);
        T u2 = T.Multiply(q.X, z1z1);
        T s1 = T.Multiply(T.Multiply(p.Y, q.Z), z2z2);
        T s2 = T.Multiply(T.Multiply(q.Y, p.Z), z1z1);
        T h = T.Subtract(u2, u1);
        T r = T.Double(T.Subtract(s2, s1));
        if (h.IsZero)
        {
            return r.IsZero ? Double(p) : Infinity;
        }

        T i = T.Square(T.Double(h));
        T j = T.Multiply(h, i);
        T v = T.Multiply(u1, i);
        T x3 = T.Subtract(T.Subtract(T.Square(r), j), T.Double(v));
        T y3 = T.Subtract(T.Multiply(r, T.Subtract(v, x3)), T.Double(T.Multiply(s1, j)));
        T z3 = T.Multiply(T.Subtract(T.Subtract(T.Square(T.Add(p.Z, q.Z)), z1z1), z2z2), h);
        return new JacobianPoint<T>(x3, y3, z3);
    }

    /// <summary>Window width of the signed-digit (wNAF) recoding: 8 precomputed odd multiples P, 3P, …, 15P.</summary>
    private const int WindowWidth = 5;

    /// <summary>
    /// k·P for a full 256-bit k (EIP-196 does not reduce the scalar by the group order): width-5 wNAF, so about
    /// 256 doublings and 43 additions.
    /// </summary>
    public static JacobianPoint<T> Multiply(in JacobianPoint<T> p, in UInt256 scalar)
    {
        if (p.IsInfinity || scalar.IsZero)
        {
            return Infinity;
        }

        Span<sbyte> digits = stackalloc sbyte[257];
        int length = RecodeWnaf(scalar, digits);

        const int tableSize = 1 << (WindowWidth - 2);
        Span<JacobianPoint<T>> oddMultiples = stackalloc JacobianPoint<T>[tableSize];
        oddMultiples[0] = p;
        JacobianPoint<T> twice = Double(p);
        for (int i = 1; i < tableSize; i++)
        {
            oddMultiples[i] = Add(oddMultiples[i - 1], twice);
        }

        JacobianPoint<T> result = Infinity;
        for (int i = length - 1; i >= 0; i--)
        {
            result = Double(result);
            int digit = digits[i];
            if (digit > 0)
            {
                result = Add(result, oddMultiples[digit >> 1]);
            }
            else if (digit < 0)
            {
                result = Add(result, oddMultiples[-digit >> 1].Negate());
            }
        }

        return result;
    }

    /// <summary>
    /// Writes the width-w NAF of <paramref name="scalar"/> least-significant digit first (each digit 0 or odd with
    /// |d| &lt; 2^(w−1)) and returns the digit count, at most 257.
    /// </summary>
    private static int RecodeWnaf(in UInt256 scalar, Span<sbyte> digits)
    {
        // Five limbs: subtracting a negative digit (adding) can carry past bit 255.
        ulong k0 = scalar.U0, k1 = scalar.U1, k2 = scalar.U2, k3 = scalar.U3, k4 = 0;
        const int window = 1 << WindowWidth;
        int length = 0;
        while ((k0 | k1 | k2 | k3 | k4) != 0)
        {
            int digit = 0;
            if ((k0 & 1) != 0)
            {
                digit = (int)(k0 & (window - 1));
                if (digit >= window / 2)
                {
                    digit -= window;
                }

                // k -= digit
                if (digit > 0)
                {
                    ulong before = k0;
                    k0 -= (ulong)digit;
                    if (k0 > before)
                    {
                        PropagateBorrow(ref k1, ref k2, ref k3, ref k4);
                    }
                }
                else
                {
                    ulong before = k0;
                    k0 += (ulong)(-digit);
                    if (k0 < before)
                    {
                        PropagateCarry(ref k1, ref k2, ref k3, ref k4);
                    }
                }
            }

            digits[length++] = (sbyte)digit;
            k0 = (k0 >> 1) | (k1 << 63);
            k1 = (k1 >> 1) | (k2 << 63);
            k2 = (k2 >> 1) | (k3 << 63);
            k3 = (k3 >> 1) | (k4 << 63);
            k4 >>= 1;
        }

        return length;
    }

    private static void PropagateCarry(ref ulong k1, ref ulong k2, ref ulong k3, ref ulong k4)
    {
        if (++k1 != 0 || ++k2 != 0 || ++k3 != 0)
        {
            return;
        }

        k4++;
    }

    private static void PropagateBorrow(ref ulong k1, ref ulong k2, ref ulong k3, ref ulong k4)
    {
        if (k1-- != 0 || k2-- != 0 || k3-- != 0)
        {
            return;
        }

        k4--;
    }

    /// <summary>Whether two points are equal: X₁Z₂² = X₂Z₁² and Y₁Z₂³ = Y₂Z₁³, or both are infinity.</summary>
    public static bool AreEqual(in JacobianPoint<T> p, in JacobianPoint<T> q)
    {
        if (p.IsInfinity || q.IsInfinity)
        {
            return p.IsInfinity && q.IsInfinity;
        }

        T pz2 = T.Square(p.Z);
        T qz2 = T.Square(q.Z);
        return T.AreEqual(T.Multiply(p.X, qz2), T.Multiply(q.X, pz2)) &&
            T.AreEqual(T.Multiply(p.Y, T.Multiply(qz2, q.Z)), T.Multiply(q.Y, T.Multiply(pz2, p.Z)));
    }

    /// <summary>Affine (x, y); false for the point at infinity.</summary>
    public bool TryToAffine(out T x, out T y)
    {
        if (IsInfinity)
        {
            x = T.Zero;
            y = T.Zero;
            return false;
        }

        T zInverse = T.Inverse(Z);
        T zInverse2 = T.Square(zInverse);
        x = T.Multiply(X, zInverse2);
        y = T.Multiply(Y, T.Multiply(zInverse2, zInverse));
        return true;
    }
}
