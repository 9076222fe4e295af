using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Hyperion.Core.Crypto;

/// <summary>A recoverable ECDSA signature over secp256k1: r, s and the recovery id (0 or 1).</summary>
public readonly record struct EcdsaSignature(UInt256 R, UInt256 S, byte RecoveryId);

/// <summary>
/// secp256k1 through Debian's libsecp256k1 (<c>libsecp256k1.so.1</c>, with the recovery module).
/// One process-wide context, randomized once; libsecp256k1 allows concurrent use of a context for every
/// call made here. Native structs live on the stack, so recovery does not allocate.
/// </summary>
public static unsafe class Secp256k1
{
    public const string LibraryName = "libsecp256k1.so.1";
    public const string MissingLibraryMessage = "libsecp256k1 not found: install it with `apt-get install -y libsecp256k1-1`";

    public const int PrivateKeySize = 32;
    /// <summary>Uncompressed public key without the 0x04 prefix: x || y.</summary>
    public const int PublicKeySize = 64;
    public const int CompressedPublicKeySize = 33;

    /// <summary>n, the order of the curve's generator.</summary>
    public static readonly UInt256 CurveOrder = new(0xBFD25E8CD0364141, 0xBAAEDCE6AF48A03B, 0xFFFFFFFFFFFFFFFE, 0xFFFFFFFFFFFFFFFF);

    /// <summary>floor(n / 2): the largest s a low-s (EIP-2) signature may carry.</summary>
    public static readonly UInt256 HalfCurveOrder = new(0xDFE92F46681B20A0, 0x5D576E7357A4501D, 0xFFFFFFFFFFFFFFFF, 0x7FFFFFFFFFFFFFFF);

    // Opaque struct sizes from secp256k1.h / secp256k1_recovery.h.
    private const int NativePublicKeySize = 64;
    private const int NativeRecoverableSignatureSize = 65;

    // Flags from secp256k1.h. SIGN|VERIFY is what pre-0.2 libraries require; 0.2 accepts and ignores them.
    private const uint ContextSignAndVerify = (1 << 0) | (1 << 8) | (1 << 9);
    private const uint SerializeCompressed = (1 << 1) | (1 << 8);
    private const uint SerializeUncompressed = 1 << 1;

    private static NativeApi? s_api;

    private static NativeApi Api
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => s_api ?? LoadApi();
    }

    /// <summary>True when the native library can be loaded (for diagnostics; every other member throws a <see cref="DllNotFoundException"/> naming the package when it cannot).</summary>
    public static bool IsAvailable
    {
        get
        {
            try
            {
                _ = Api;
                return true;
            }
            catch (DllNotFoundException)
            {
                return false;
            }
        }
    }

    // ---- signature values ----

    /// <summary>r and s each in [1, n-1].</summary>
    public static bool AreValidSignatureValues(in UInt256 r, in UInt256 s) =>
        !r.IsZero && !s.IsZero && r < CurveOrder && s < CurveOrder;

    /// <summary>s &lt;= n/2 (EIP-2: transactions from Homestead on must carry the low s).</summary>
    public static bool IsLowS(in UInt256 s) => s <= HalfCurveOrder;

    /// <summary>s (32 big-endian bytes) &lt;= n/2.</summary>
    public static bool IsLowS(ReadOnlySpan<byte> s32) => s32.Length == 32 && IsLowS(UInt256.FromBigEndian(s32));

    // ---- recovery ----

    /// <summary>
    /// Recovers the signer's address. False when r or s is outside [1, n-1], the recovery id is not 0 or 1
    /// (Ethereum signatures never use 2 or 3), a span has the wrong length, or no key matches.
    /// </summary>
    [SkipLocalsInit]
    public static bool TryRecoverAddress(ReadOnlySpan<byte> messageHash32, ReadOnlySpan<byte> r32, ReadOnlySpan<byte> s32, byte recoveryId, out Address address)
    {
        Span<byte> publicKey = stackalloc byte[PublicKeySize];
        if (!TryRecoverPublicKey(messageHash32, r32, s32, recoveryId, publicKey))
        {
            address = default;
            return false;
        }

        address = AddressFromPublicKey(publicKey);
        return true;
    }

    /// <inheritdoc cref="TryRecoverAddress(ReadOnlySpan{byte}, ReadOnlySpan{byte}, ReadOnlySpan{byte}, byte, out Address)"/>
    [SkipLocalsInit]
    public static bool TryRecoverAddress(ReadOnlySpan<byte> messageHash32, in UInt256 r, in UInt256 s, byte recoveryId, out Address address)
    {
        if (!AreValidSignatureValues(in r, in s))
        {
            address = default;
            return false;
        }

        Span<byte> rs = stackalloc byte[64];
        r.WriteBigEndian(rs[..32]);
        s.WriteBigEndian(rs[32..]);
        return TryRecoverAddress(messageHash32, rs[..32], rs[32..], recoveryId, out address);
    }

    /// <summary>Recovers the signer's uncompressed public key (x || y, no 0x04 prefix) into <paramref name="uncompressed64"/>.</summary>
    [SkipLocalsInit]
    public static bool TryRecoverPublicKey(ReadOnlySpan<byte> messageHash32, ReadOnlySpan<byte> r32, ReadOnlySpan<byte> s32, byte recoveryId, Span<byte> uncompressed64)
    {
        if (messageHash32.Length != 32 || r32.Length != 32 || s32.Length != 32 || uncompressed64.Length != PublicKeySize || recoveryId > 1)
        {
            return false;
        }

        // Parsing rejects r, s >= n; recovery rejects zero. Checked here too so the contract does not rest on the library version.
        if (!AreValidSignatureValues(UInt256.FromBigEndian(r32), UInt256.FromBigEndian(s32)))
        {
            return false;
        }

        NativeApi api = Api;
        byte* compact = stackalloc byte[64];
        r32.CopyTo(new Span<byte>(compact, 32));
        s32.CopyTo(new Span<byte>(compact + 32, 32));
        byte* signature = stackalloc byte[NativeRecoverableSignatureSize];
        byte* publicKey = stackalloc byte[NativePublicKeySize];
        byte* serialized = stackalloc byte[65];
        nuint length = 65;
        fixed (byte* hash = messageHash32)
        {
            if (api.RecoverableSignatureParseCompact(api.Context, signature, compact, recoveryId) != 1
                || api.Recover(api.Context, publicKey, signature, hash) != 1
                || api.PublicKeySerialize(api.Context, serialized, &length, publicKey, SerializeUncompressed) != 1
                || length != 65)
            {
                return false;
            }
        }

        new ReadOnlySpan<byte>(serialized + 1, PublicKeySize).CopyTo(uncompressed64);
        return true;
    }

    // ---- keys ----

    /// <summary>A private key is valid when it is 32 bytes and in [1, n-1].</summary>
    public static bool IsValidPrivateKey(ReadOnlySpan<byte> privateKey32)
    {
        if (privateKey32.Length != PrivateKeySize)
        {
            return false;
        }

        NativeApi api = Api;
        fixed (byte* key = privateKey32)
        {
            return api.SecretKeyVerify(api.Context, key) == 1;
        }
    }

    /// <summary>Writes the uncompressed public key (x || y) of a private key.</summary>
    /// <exception cref="ArgumentException">The private key is invalid or the destination is not 64 bytes.</exception>
    [SkipLocalsInit]
    public static void PublicKeyFromPrivateKey(ReadOnlySpan<byte> privateKey32, Span<byte> uncompressed64)
    {
        if (uncompressed64.Length != PublicKeySize)
        {
            throw new ArgumentException($"Destination must be exactly {PublicKeySize} bytes, got {uncompressed64.Length}.", nameof(uncompressed64));
        }

        Span<byte> serialized = stackalloc byte[65];
        SerializePublicKeyOf(privateKey32, serialized, SerializeUncompressed);
        serialized[1..].CopyTo(uncompressed64);
    }

    /// <summary>Writes the SEC1 compressed public key (0x02/0x03 || x) of a private key, as BIP-32 uses it.</summary>
    /// <exception cref="ArgumentException">The private key is invalid or the destination is not 33 bytes.</exception>
    public static void CompressedPublicKeyFromPrivateKey(ReadOnlySpan<byte> privateKey32, Span<byte> compressed33)
    {
        if (compressed33.Length != CompressedPublicKeySize)
        {
            throw new ArgumentException($"Destination must be exactly {CompressedPublicKeySize} bytes, got {compressed33.Length}.", nameof(compressed33));
        }

        SerializePublicKeyOf(privateKey32, compressed33, SerializeCompressed);
    }

    /// <summary>Compresses an uncompressed public key (x || y) after checking that it is a point on the curve.</summary>
    /// <exception cref="ArgumentException">The key is not a valid curve point or a span has the wrong length.</exception>
    public static void CompressPublicKey(ReadOnlySpan<byte> uncompressed64, Span<byte> compressed33)
    {
        if (uncompressed64.Length != PublicKeySize)
        {
            throw new ArgumentException($"An uncompressed public key is {PublicKeySize} bytes (x || y), got {uncompressed64.Length}.", nameof(uncompressed64));
        }
        if (compressed33.Length != CompressedPublicKeySize)
        {
            throw new ArgumentException($"Destination must be exactly {CompressedPublicKeySize} bytes, got {compressed33.Length}.", nameof(compressed33));
        }

        NativeApi api = Api;
        byte* input = stackalloc byte[65];
        input[0] = 0x04;
        uncompressed64.CopyTo(new Span<byte>(input + 1, PublicKeySize));
        byte* publicKey = stackalloc byte[NativePublicKeySize];
        nuint length = CompressedPublicKeySize;
        fixed (byte* output = compressed33)
        {
            if (api.PublicKeyParse(api.Context, publicKey, input, 65) != 1)
            {
                throw new ArgumentException("The public key is not a point on secp256k1.", nameof(uncompressed64));
            }
            if (api.PublicKeySerialize(api.Context, output, &length, publicKey, SerializeCompressed) != 1 || length != CompressedPublicKeySize)
            {
                throw new InvalidOperationException("libsecp256k1 failed to serialize a parsed public key.");
            }
        }
    }

    /// <summary>The Ethereum address of a public key: the last 20 bytes of keccak256(x || y).</summary>
    [SkipLocalsInit]
    public static Address AddressFromPublicKey(ReadOnlySpan<byte> uncompressed64)
    {
        if (uncompressed64.Length != PublicKeySize)
        {
            throw new ArgumentException($"An uncompressed public key is {PublicKeySize} bytes (x || y), got {uncompressed64.Length}.", nameof(uncompressed64));
        }

        Span<byte> hash = stackalloc byte[Hash256.Size];
        Keccak256.Hash(uncompressed64, hash);
        return new Address(hash[(Hash256.Size - Address.Size)..]);
    }

    /// <summary>The Ethereum address of a private key.</summary>
    /// <exception cref="ArgumentException">The private key is invalid.</exception>
    [SkipLocalsInit]
    public static Address AddressFromPrivateKey(ReadOnlySpan<byte> privateKey32)
    {
        Span<byte> publicKey = stackalloc byte[PublicKeySize];
        PublicKeyFromPrivateKey(privateKey32, publicKey);
        return AddressFromPublicKey(publicKey);
    }

    /// <summary>
    /// privateKey := (privateKey + tweak) mod n, in place (BIP-32 child derivation).
    /// False, with the key unchanged, when the tweak is &gt;= n, the key is invalid, or the sum is zero.
    /// </summary>
    public static bool PrivateKeyTweakAdd(Span<byte> privateKey32, ReadOnlySpan<byte> tweak32)
    {
        if (privateKey32.Length != PrivateKeySize || tweak32.Length != 32)
        {
            return false;
        }

        NativeApi api = Api;
        Span<byte> result = stackalloc byte[PrivateKeySize];
        privateKey32.CopyTo(result);
        fixed (byte* key = result)
        fixed (byte* tweak = tweak32)
        {
            // The library zeroes the key on failure; work on a copy so the caller's key survives.
            if (api.SecretKeyTweakAdd(api.Context, key, tweak) != 1)
            {
                return false;
            }
        }

        result.CopyTo(privateKey32);
        return true;
    }

    // ---- signing ----

    /// <summary>Signs a 32-byte hash: RFC 6979 deterministic nonce, low s (the library always normalizes).</summary>
    /// <exception cref="ArgumentException">The hash is not 32 bytes or the private key is invalid.</exception>
    [SkipLocalsInit]
    public static EcdsaSignature Sign(ReadOnlySpan<byte> messageHash32, ReadOnlySpan<byte> privateKey32)
    {
        if (messageHash32.Length != 32)
        {
            throw new ArgumentException($"The message hash must be 32 bytes, got {messageHash32.Length}.", nameof(messageHash32));
        }
        if (!IsValidPrivateKey(privateKey32))
        {
            throw new ArgumentException("The private key must be 32 bytes in [1, n-1].", nameof(privateKey32));
        }

        NativeApi api = Api;
        byte* signature = stackalloc byte[NativeRecoverableSignatureSize];
        byte* compact = stackalloc byte[64];
        int recoveryId;
        fixed (byte* hash = messageHash32)
        fixed (byte* key = privateKey32)
        {
            // Null nonce function = the library default, RFC 6979 with HMAC-SHA256.
            if (api.SignRecoverable(api.Context, signature, hash, key, IntPtr.Zero, IntPtr.Zero) != 1)
            {
                throw new InvalidOperationException("libsecp256k1 failed to sign with a valid key.");
            }
        }

        api.RecoverableSignatureSerializeCompact(api.Context, compact, &recoveryId, signature);
        return new EcdsaSignature(
            UInt256.FromBigEndian(new ReadOnlySpan<byte>(compact, 32)),
            UInt256.FromBigEndian(new ReadOnlySpan<byte>(compact + 32, 32)),
            (byte)recoveryId);
    }

    private static void SerializePublicKeyOf(ReadOnlySpan<byte> privateKey32, Span<byte> destination, uint flags)
    {
        if (privateKey32.Length != PrivateKeySize)
        {
            throw new ArgumentException($"A private key is {PrivateKeySize} bytes, got {privateKey32.Length}.", nameof(privateKey32));
        }

        NativeApi api = Api;
        byte* publicKey = stackalloc byte[NativePublicKeySize];
        nuint length = (nuint)destination.Length;
        fixed (byte* key = privateKey32)
        fixed (byte* output = destination)
        {
            if (api.PublicKeyCreate(api.Context, publicKey, key) != 1)
            {
                throw new ArgumentException("The private key must be in [1, n-1].", nameof(privateKey32));
            }
            if (api.PublicKeySerialize(api.Context, output, &length, publicKey, flags) != 1 || length != (nuint)destination.Length)
            {
                throw new InvalidOperationException("libsecp256k1 failed to serialize a public key.");
            }
        }
    }

    /// <summary>Loads the first library that exists, else throws naming the Debian package to install.</summary>
    internal static IntPtr LoadLibrary(params string[] candidates)
    {
        foreach (string name in candidates)
        {
            if (NativeLibrary.TryLoad(name, typeof(Secp256k1).Assembly, null, out IntPtr library))
            {
                return library;
            }
        }

        throw new DllNotFoundException(MissingLibraryMessage);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static NativeApi LoadApi()
    {
        var api = NativeApi.Load();
        return Interlocked.CompareExchange(ref s_api, api, null) ?? api;
    }

    /// <summary>Function pointers into the library plus the shared context (created once, lives for the process).</summary>
    private sealed class NativeApi
    {
        public readonly IntPtr Context;
        public readonly delegate* unmanaged<IntPtr, byte*, byte*, int, int> RecoverableSignatureParseCompact;
        public readonly delegate* unmanaged<IntPtr, byte*, int*, byte*, int> RecoverableSignatureSerializeCompact;
        public readonly delegate* unmanaged<IntPtr, byte*, byte*, byte*, int> Recover;
        public readonly delegate* unmanaged<IntPtr, byte*, byte*, byte*, IntPtr, IntPtr, int> SignRecoverable;
        public readonly delegate* unmanaged<IntPtr, byte*, nuint*, byte*, uint, int> PublicKeySerialize;
        public readonly delegate* unmanaged<IntPtr, byte*, byte*, nuint, int> PublicKeyParse;
        public readonly delegate* unmanaged<IntPtr, byte*, byte*, int> PublicKeyCreate;
        public readonly delegate* unmanaged<IntPtr, byte*, int> SecretKeyVerify;
        public readonly delegate* unmanaged<IntPtr, byte*, byte*, int> SecretKeyTweakAdd;

        private NativeApi(IntPtr library)
        {
            var create = (delegate* unmanaged<uint, IntPtr>)Export(library, "secp256k1_context_create");
            var randomize = (delegate* unmanaged<IntPtr, byte*, int>)Export(library, "secp256k1_context_randomize");
            RecoverableSignatureParseCompact = (delegate* unmanaged<IntPtr, byte*, byte*, int, int>)Export(library, "secp256k1_ecdsa_recoverable_signature_parse_compact");
            RecoverableSignatureSerializeCompact = (delegate* unmanaged<IntPtr, byte*, int*, byte*, int>)Export(library, "secp256k1_ecdsa_recoverable_signature_serialize_compact");
            Recover = (delegate* unmanaged<IntPtr, byte*, byte*, byte*, int>)Export(library, "secp256k1_ecdsa_recover");
            SignRecoverable = (delegate* unmanaged<IntPtr, byte*, byte*, byte*, IntPtr, IntPtr, int>)Export(library, "secp256k1_ecdsa_sign_recoverable");
            PublicKeySerialize = (delegate* unmanaged<IntPtr, byte*, nuint*, byte*, uint, int>)Export(library, "secp256k1_ec_pubkey_serialize");
            PublicKeyParse = (delegate* unmanaged<IntPtr, byte*, byte*, nuint, int>)Export(library, "secp256k1_ec_pubkey_parse");
            PublicKeyCreate = (delegate* unmanaged<IntPtr, byte*, byte*, int>)Export(library, "secp256k1_ec_pubkey_create");
            SecretKeyVerify = (delegate* unmanaged<IntPtr, byte*, int>)Export(library, "secp256k1_ec_seckey_verify");
            SecretKeyTweakAdd = (delegate* unmanaged<IntPtr, byte*, byte*, int>)Export(library, "secp256k1_ec_seckey_tweak_add");

            Context = create(ContextSignAndVerify);
            if (Context == IntPtr.Zero)
            {
                throw new InvalidOperationException("secp256k1_context_create returned null.");
            }

            // Blinding against side channels in signing and key generation.
            byte* seed = stackalloc byte[32];
            RandomNumberGenerator.Fill(new Span<byte>(seed, 32));
            if (randomize(Context, seed) != 1)
            {
                throw new InvalidOperationException("secp256k1_context_randomize failed.");
            }
            new Span<byte>(seed, 32).Clear();
        }

        public static NativeApi Load() => new(LoadLibrary(LibraryName, "libsecp256k1.so"));

        private static IntPtr Export(IntPtr library, string name)
        {
            if (!NativeLibrary.TryGetExport(library, name, out IntPtr address))
            {
                throw new DllNotFoundException(
                    $"The loaded libsecp256k1 lacks {name} (it needs the recovery module): install Debian's build with `apt-get install -y libsecp256k1-1`.");
            }

            return address;
        }
    }
}
