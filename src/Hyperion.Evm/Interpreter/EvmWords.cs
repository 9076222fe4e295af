using Hyperion.Core;

namespace Hyperion.Evm.Interpreter;

/// <summary>Conversions between stack words and addresses or hashes.</summary>
internal static class EvmWords
{
    public static UInt256 FromAddress(in Address address) => UInt256.FromBigEndian(address.Bytes);

    public static UInt256 FromHash(in Hash256 hash) => UInt256.FromBigEndian(hash.Bytes);

    /// <summary>The low 20 bytes of a word, as CALL, BALANCE and friends read an address operand.</summary>
    public static Address ToAddress(in UInt256 word)
    {
        Span<byte> bytes = stackalloc byte[32];
        word.WriteBigEndian(bytes);
        return new Address(bytes[12..]);
    }
}
