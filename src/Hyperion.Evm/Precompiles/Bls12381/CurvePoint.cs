namespace Hyperion.Evm.Precompiles.Bls12381;

/// <summary>An affine point (X, Y) on y² = x³ + b, or the point at infinity.</summary>
internal readonly struct AffinePoint<T> where T : struct, IField<T>
{
    public readonly T X, Y;
    public readonly bool IsInfinity;

    public AffinePoint(in T x, in T y)
    {
        X = x;
        Y = y;
        IsInfinity = false;
    }

    private AffinePoint(bool infinity)
    {
        X = default;
        Y = default;
        IsInfinity = infinity;
    }

    public static AffinePoint<T> Infinity => new(true);

    public AffinePoint<T> Negate() => IsInfinity ? this : new AffinePoint<T>(X, T.Negate(Y));

    public JacobianPoint<T> ToJacobian() => IsInfinity ? JacobianPoint<T>.Infinity : new JacobianPoint<T>(X, Y, T.One);

    public bool IsOnCurve(in T b) =>
        IsInfinity || T.AreEqual(T.Square(Y), T.Add(T.Multiply(T.Square(X), X), b));

    public static bool AreEqual(in AffinePoint<T> p, in AffinePoint<T> q) =>
        p.IsInfinity || q.IsInfinity ? p.IsInfinity == q.IsInfinity : T.AreEqual(p.X, q.X) && T.AreEqual(p.Y, q.Y);
}

/// <summary>
/// A point in Jacobian coordinates (x = X/Z², y = Y/Z³; Z = 0 is infinity) on a short Weierstrass curve with a = 0,
/// so additions and doublings need no inversion. Formulas: dbl-2009-l, add-2007-bl, madd-2007-bl (EFD).
/// </summary>
internal readonly struct JacobianPoint<T> where T : struct, IField<T>
{
    public readonly T X, Y, Z;

    public JacobianPoint(in T x, in T y, in T z)
    {
        X = x;
        Y = y;
        Z = z;
    }

    public static JacobianPoint<T> Infinity => new(T.One, T.One, T.Zero);

    public bool IsInfinity => Z.IsZero;

    public JacobianPoint<T> Negate() => new(X, T.Negate(Y), Z);

    public AffinePoint<T> ToAffine()
    {
        if (IsInfinity)
        {
            return AffinePoint<T>.Infinity;
        }

        T zInverse = T.Invert(Z);
        T zInverse2 = T.Square(zInverse);
        return new AffinePoint<T>(T.Multiply(X, zInverse2), T.Multiply(Y, T.Multiply(zInverse2, zInverse)));
    }

    public static JacobianPoint<T> Double(in JacobianPoint<T> p)
    {
        if (p.IsInfinity)
        {
            return p;
        }

        T a = T.Square(p.X);
        T b = T.Square(p.Y);
        T c = T.Square(b);
        T d = T.Double(T.Subtract(T.Subtract(T.Square(T.Add(p.X, b)), a), c));
        T e = T.Add(T.Double(a), a);
        T f = T.Square(e);
        T x3 = T.Subtract(f, T.Double(d));
        T c8 = T.Double(T.Double(T.Double(c)));
        T y3 = T.Subtract(T.Multiply(e, T.Subtract(d, x3)), c8);
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
        T s1 = T.Multiply(p.Y, T.Multiply(q.Z, z2z2));
        T s2 = T.Multiply(q.Y, T.Multiply(p.Z, z1z1));
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

    /// <summary>p + q for an affine q (Z₂ = 1): cheaper than <see cref="Add"/>.</summary>
    public static JacobianPoint<T> AddAffine(in JacobianPoint<T> p, in AffinePoint<T> q)
    {
        if (q.IsInfinity)
        {
            return p;
        }

        if (p.IsInfinity)
        {
            return q.ToJacobian();
        }

        T z1z1 = T.Square(p.Z);
        T u2 = T.Multiply(q.X, z1z1);
        T s2 = T.Multiply(q.Y, T.Multiply(p.Z, z1z1));
        T h = T.Subtract(u2, p.X);
        T r = T.Double(T.Subtract(s2, p.Y));
        if (h.IsZero)
        {
            return r.IsZero ? Double(p) : Infinity;
        }

        T hh = T.Square(h);
        T i = T.Double(T.Double(hh));
        T j = T.Multiply(h, i);
        T v = T.Multiply(p.X, i);
        T x3 = T.Subtract(T.Subtract(T.Square(r), j), T.Double(v));
        T y3 = T.Subtract(T.Multiply(r, T.Subtract(v, x3)), T.Double(T.Multiply(p.Y, j)));
        T z3 = T.Subtract(T.Subtract(T.Square(T.Add(p.Z, h)), z1z1), hh);
        return new JacobianPoint<T>(x3, y3, z3);
    }

    /// <summary>[k]p for a big-endian scalar of any length, by double-and-add (the scalars here are public).</summary>
    public static JacobianPoint<T> Multiply(in AffinePoint<T> p, ReadOnlySpan<byte> scalarBigEndian)
    {
        JacobianPoint<T> result = Infinity;
        foreach (byte b in scalarBigEndian)
        {
            for (int bit = 7; bit >= 0; bit--)
            {
                result = Double(result);
                if (((b >> bit) & 1) != 0)
                {
                    result = AddAffine(result, p);
                }
            }
        }

        return result;
    }

    /// <summary>[k]p for a 64-bit scalar, by double-and-add (for the curve parameter |x|, which has six bits set).</summary>
    public static JacobianPoint<T> Multiply(in JacobianPoint<T> p, ulong scalar)
    {
        JacobianPoint<T> result = Infinity;
        for (int bit = 63 - System.Numerics.BitOperations.LeadingZeroCount(scalar); bit >= 0; bit--)
        {
            result = Double(result);
            if (((scalar >> bit) & 1) != 0)
            {
                result = Add(result, p);
            }
        }

        return result;
    }

    /// <summary>Projective equality: X₁Z₂² = X₂Z₁² and Y₁Z₂³ = Y₂Z₁³.</summary>
    public static bool AreEqual(in JacobianPoint<T> p, in JacobianPoint<T> q)
    {
        if (p.IsInfinity || q.IsInfinity)
        {
            return p.IsInfinity == q.IsInfinity;
        }

        T z1z1 = T.Square(p.Z);
        T z2z2 = T.Square(q.Z);
        return T.AreEqual(T.Multiply(p.X, z2z2), T.Multiply(q.X, z1z1)) &&
            T.AreEqual(T.Multiply(p.Y, T.Multiply(q.Z, z2z2)), T.Multiply(q.Y, T.Multiply(p.Z, z1z1)));
    }
}
