namespace Hyperion.Inference.Numerics;

/// <summary>
/// xorshift64* (Vigna): state ^= state >> 12; state ^= state << 25; state ^= state >> 27;
/// output = state * 0x2545F4914F6CDD1D (mod 2^64). Pure integer, so every node draws the same sequence.
/// A zero seed would stick at zero, so the seed is mixed with a fixed odd constant first.
/// </summary>
public struct DeterministicRng
{
    private const ulong Multiplier = 0x2545F4914F6CDD1DUL;
    private const ulong ZeroSeedReplacement = 0x9E3779B97F4A7C15UL;

    private ulong _state;

    public DeterministicRng(ulong seed)
    {
        _state = seed == 0 ? ZeroSeedReplacement : seed;
    }

    public ulong NextUInt64()
    {
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        return unchecked(_state * Multiplier);
    }

    /// <summary>Top 32 bits of the next output: a uniform fraction in [0, 1) as Q0.32.</summary>
    public uint NextFractionQ32() => (uint)(NextUInt64() >> 32);
}
