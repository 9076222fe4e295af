using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using Hyperion.Core.Crypto;

namespace Hyperion.Core.Wallet;

/// <summary>A BIP-32 extended private key: a secp256k1 private key plus a chain code, and its place in the tree.</summary>
public sealed class ExtendedPrivateKey
{
    /// <summary>Indices from 2^31 up are hardened (written 44' or 44h).</summary>
    public const uint HardenedOffset = 0x8000_0000;

    private static readonly byte[] MasterHmacKey = "Bitcoin seed"u8.ToArray();

    private readonly byte[] _privateKey;
    private readonly byte[] _chainCode;

    private ExtendedPrivateKey(byte[] privateKey, byte[] chainCode, byte depth, uint childNumber)
    {
        _privateKey = privateKey;
        _chainCode = chainCode;
        Depth = depth;
        ChildNumber = childNumber;
    }

    public ReadOnlySpan<byte> PrivateKey => _privateKey;

    public ReadOnlySpan<byte> ChainCode => _chainCode;

    /// <summary>0 for the master key, 1 for its children, …</summary>
    public byte Depth { get; }

    /// <summary>The index this key was derived with (0 for the master key).</summary>
    public uint ChildNumber { get; }

    public Address Address => Secp256k1.AddressFromPrivateKey(_privateKey);

    /// <summary>The 33-byte SEC1 compressed public key (serP in BIP-32).</summary>
    public byte[] CompressedPublicKey()
    {
        var publicKey = new byte[Secp256k1.CompressedPublicKeySize];
        Secp256k1.CompressedPublicKeyFromPrivateKey(_privateKey, publicKey);
        return publicKey;
    }

    /// <summary>The master key of a seed: HMAC-SHA512(key "Bitcoin seed", seed) split into key ‖ chain code.</summary>
    /// <exception cref="ArgumentException">The seed is not 16–64 bytes, or (with probability below 2^-127) gives an invalid key.</exception>
    public static ExtendedPrivateKey FromSeed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length is < 16 or > 64)
        {
            throw new ArgumentException($"A BIP-32 seed is 16 to 64 bytes, got {seed.Length}.", nameof(seed));
        }

        Span<byte> digest = stackalloc byte[64];
        HMACSHA512.HashData(MasterHmacKey, seed, digest);
        byte[] privateKey = digest[..32].ToArray();
        if (!Secp256k1.IsValidPrivateKey(privateKey))
        {
            throw new ArgumentException("This seed gives an invalid BIP-32 master key (zero or not below n); use another seed.", nameof(seed));
        }

        return new ExtendedPrivateKey(privateKey, digest[32..].ToArray(), 0, 0);
    }

    /// <summary>CKDpriv: the child at <paramref name="index"/> (hardened when index &gt;= 2^31).</summary>
    /// <exception cref="InvalidOperationException">The tree is already 255 levels deep, or (probability below 2^-127) the child key is invalid.</exception>
    public ExtendedPrivateKey DeriveChild(uint index)
    {
        if (Depth == byte.MaxValue)
        {
            throw new InvalidOperationException("BIP-32 keys are at most 255 levels deep.");
        }

        // Hardened: 0x00 ‖ k ‖ ser32(i); normal: serP(point(k)) ‖ ser32(i). Both are 37 bytes.
        Span<byte> data = stackalloc byte[37];
        if (index >= HardenedOffset)
        {
            data[0] = 0;
            _privateKey.CopyTo(data[1..33]);
        }
        else
        {
            Secp256k1.CompressedPublicKeyFromPrivateKey(_privateKey, data[..33]);
        }
        BinaryPrimitives.WriteUInt32BigEndian(data[33..], index);

        Span<byte> digest = stackalloc byte[64];
        HMACSHA512.HashData(_chainCode, data, digest);
        byte[] childKey = (byte[])_privateKey.Clone();
        if (!Secp256k1.PrivateKeyTweakAdd(childKey, digest[..32]))
        {
            throw new InvalidOperationException($"BIP-32 child {FormatIndex(index)} is invalid (I_L >= n or a zero key); the spec says to use the next index.");
        }

        return new ExtendedPrivateKey(childKey, digest[32..].ToArray(), (byte)(Depth + 1), index);
    }

    /// <summary>Derives along a path such as m/44'/60'/0'/0/3 from this key, which must be the master key.</summary>
    /// <exception cref="FormatException">The path is malformed (see <see cref="Bip32Path.Parse"/>).</exception>
    public ExtendedPrivateKey Derive(string path)
    {
        if (Depth != 0)
        {
            throw new InvalidOperationException($"Path \"{path}\" starts at the master key m, but this key is at depth {Depth}; use DeriveChild.");
        }

        ExtendedPrivateKey key = this;
        foreach (uint index in Bip32Path.Parse(path))
        {
            key = key.DeriveChild(index);
        }

        return key;
    }

    internal static string FormatIndex(uint index) =>
        index >= HardenedOffset
            ? (index - HardenedOffset).ToString(CultureInfo.InvariantCulture) + "'"
            : index.ToString(CultureInfo.InvariantCulture);
}

/// <summary>BIP-32 derivation paths: "m", then "/"-separated indices, each optionally hardened with ', h or H.</summary>
public static class Bip32Path
{
    /// <summary>Parses e.g. m/44'/60'/0'/0/3 into indices (hardened ones have 2^31 added).</summary>
    /// <exception cref="FormatException">Not starting with m, an empty or non-numeric segment, or an index of 2^31 or more before hardening.</exception>
    public static uint[] Parse(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string[] segments = path.Trim().Split('/');
        if (segments[0] != "m")
        {
            throw new FormatException($"BIP-32 path \"{path}\" must start with \"m\" (e.g. m/44'/60'/0'/0/0).");
        }
        if (segments.Length - 1 > byte.MaxValue)
        {
            throw new FormatException($"BIP-32 path \"{path}\" is deeper than 255 levels.");
        }

        var indices = new uint[segments.Length - 1];
        for (int i = 1; i < segments.Length; i++)
        {
            string segment = segments[i];
            bool hardened = segment.Length > 0 && segment[^1] is '\'' or 'h' or 'H';
            ReadOnlySpan<char> digits = hardened ? segment.AsSpan(0, segment.Length - 1) : segment;
            if (digits.Length == 0 || digits.ContainsAnyExceptInRange('0', '9')
                || !uint.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out uint index))
            {
                throw new FormatException($"BIP-32 path \"{path}\": segment {i} (\"{segment}\") is not an index such as 44 or 44'.");
            }
            if (index >= ExtendedPrivateKey.HardenedOffset)
            {
                throw new FormatException($"BIP-32 path \"{path}\": index {index} in segment {i} must be below 2^31 (mark hardened indices with ').");
            }

            indices[i - 1] = hardened ? index + ExtendedPrivateKey.HardenedOffset : index;
        }

        return indices;
    }
}
