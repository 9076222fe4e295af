using System.Buffers.Binary;
using System.Numerics;

namespace Hyperion.Core.IO;

/// <summary>
/// CRC-32C (Castagnoli), the checksum of stored records: the CPU's <c>crc32</c> instruction where it has one
/// (<see cref="BitOperations.Crc32C(uint, ulong)"/>), eight bytes a step. It detects torn and damaged records; it is
/// no hash of their content (a Keccak-256 of a 50 KB block record costs ~40× as much).
/// </summary>
public static class Crc32C
{
    /// <summary>CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Update(~0u, data);

    /// <summary>CRC-32C of <paramref name="first"/> ‖ <paramref name="second"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second) => ~Update(Update(~0u, first), second);

    private static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (byte b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc;
    }
}
