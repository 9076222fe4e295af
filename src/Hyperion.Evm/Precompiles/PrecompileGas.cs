namespace Hyperion.Evm.Precompiles;

/// <summary>Gas helpers shared by the precompiles (saturating so huge inputs never overflow).</summary>
internal static class PrecompileGas
{
    /// <summary>Number of 32-byte words needed to hold <paramref name="length"/> bytes.</summary>
    public static long Words(int length) => ((long)length + 31) / 32;

    /// <summary>base + perWord·words for a linear-cost precompile.</summary>
    public static long Linear(int length, long baseCost, long perWord) => baseCost + perWord * Words(length);
}
