using System.Numerics;
using System.Security.Cryptography;

namespace Hyperion.Core.Tests.Wallet;

/// <summary>Test-only Base58Check decoding, to read the xprv/xpub strings of the published BIP-32 vectors.</summary>
internal static class Base58Check
{
    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    public static byte[] Decode(string text)
    {
        BigInteger value = BigInteger.Zero;
        foreach (char c in text)
        {
            int digit = Alphabet.IndexOf(c, StringComparison.Ordinal);
            Assert.True(digit >= 0, $"'{c}' is not a Base58 digit");
            value = value * 58 + digit;
        }

        byte[] bytes = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        int leadingZeros = text.TakeWhile(c => c == '1').Count();
        byte[] full = [.. new byte[leadingZeros], .. bytes];
        byte[] payload = full[..^4];
        Assert.Equal(SHA256.HashData(SHA256.HashData(payload))[..4], full[^4..]);
        return payload;
    }

    /// <summary>The fields of a serialized extended key (78 bytes).</summary>
    public static (byte Depth, uint ChildNumber, byte[] ChainCode, byte[] KeyData) DecodeExtendedKey(string text)
    {
        byte[] payload = Decode(text);
        Assert.Equal(78, payload.Length);
        return (payload[4], System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(9)), payload[13..45], payload[45..78]);
    }
}
