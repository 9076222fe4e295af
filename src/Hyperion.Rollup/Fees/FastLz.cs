namespace Hyperion.Rollup.Fees;

/// <summary>
/// Length of the FastLZ (level 1) compression of some bytes, without producing the output: the estimator Fjord's L1
/// fee uses (fjord/exec-engine.md "FastLZ Implementation"). It follows fastlz_compress level 1 as Solady's
/// <c>LibZip.flzCompress</c> and op-geth's <c>FlzCompressLen</c> compute it, so that the GasPriceOracle, the node and
/// the spec agree byte for byte.
/// </summary>
public static class FastLz
{
    private const int HashLog = 13;
    private const uint MaxDistance = 0x1fff;

    public static int CompressedLength(ReadOnlySpan<byte> input)
    {
        if (input.Length > int.MaxValue / 2)
        {
            throw new ArgumentOutOfRangeException(nameof(input), "input too large");
        }

        uint[] table = new uint[1 << HashLog];
        uint length = (uint)input.Length;
        uint limit = length < 13 ? 0 : length - 13;
        uint anchor = 0;
        long size = 0;
        uint ip = 2;
        while (ip < limit)
        {
            // Find the next position whose 3-byte prefix was seen within the window.
            uint reference;
            while (true)
            {
                uint sequence = Read24(input, ip);
                uint slot = Hash(sequence);
                reference = table[slot];
                table[slot] = ip;
                uint distance = ip - reference;
                if (ip >= limit)
                {
                    break;
                }

                ip++;
                if (distance <= MaxDistance && sequence == Read24(input, reference))
                {
                    break;
                }
            }

            if (ip >= limit)
            {
                break;
            }

            ip--;
            if (ip > anchor)
            {
                size += LiteralsLength(ip - anchor);
            }

            uint matchLength = MatchLength(input, reference + 3, ip + 3, limit + 9);
            size += MatchCost(matchLength);
            ip += matchLength;
            table[Hash(Read24(input, ip))] = ip;
            ip++;
            table[Hash(Read24(input, ip))] = ip;
            ip++;
            anchor = ip;
        }

        size += LiteralsLength(length - anchor);
        return (int)size;
    }

    private static uint Read24(ReadOnlySpan<byte> input, uint i) => input[(int)i] | ((uint)input[(int)i + 1] << 8) | ((uint)input[(int)i + 2] << 16);

    private static uint Hash(uint value) => unchecked((2654435769u * value) >> 19) & 0x1fff;

    // The reference loop counts up to and including the first mismatching byte (its counter is incremented once
    // more after the mismatch ends the loop), capped at end - q; reproduced exactly because the fee depends on it.
    private static uint MatchLength(ReadOnlySpan<byte> input, uint p, uint q, uint end)
    {
        uint count = 0;
        uint span = end - q;
        while (count < span)
        {
            bool equal = input[(int)(p + count)] == input[(int)(q + count)];
            count++;
            if (!equal)
            {
                break;
            }
        }

        return count;
    }

    private static long LiteralsLength(uint runs) => (0x21L * (runs / 0x20)) + (runs % 0x20 == 0 ? 0 : (runs % 0x20) + 1);

    private static long MatchCost(uint matchLength)
    {
        uint l = matchLength - 1;
        return (3L * (l / 262)) + (l % 262 >= 6 ? 3 : 2);
    }
}
