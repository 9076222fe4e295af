namespace Hyperion.Evm.Precompiles.Bn254;

/// <summary>
/// The field operations the curve formulas need, so one Jacobian implementation serves G1 (over Fp) and G2 (over
/// Fp2). Static abstract members on a struct type parameter are specialised by the JIT: no boxing, no virtual calls.
/// </summary>
internal interface IField<T> where T : unmanaged, IField<T>
{
    static abstract T Zero { get; }

    static abstract T One { get; }

    bool IsZero { get; }

    static abstract T Add(in T a, in T b);

    static abstract T Subtract(in T a, in T b);

    static abstract T Negate(in T a);

    static abstract T Double(in T a);

    static abstract T Multiply(in T a, in T b);

    static abstract T Square(in T a);

    /// <summary>Multiplicative inverse; the inverse of zero is defined as zero.</summary>
    static abstract T Inverse(in T a);

    static abstract bool AreEqual(in T a, in T b);
}
