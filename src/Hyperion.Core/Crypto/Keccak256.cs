using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Hyperion.Core.Crypto;

/// <summary>
/// Ethereum's Keccak-256: the original Keccak submission padding (domain byte 0x01),
/// not the FIPS 202 SHA3-256 padding (0x06).
/// </summary>
public static class Keccak256
{
    internal const byte KeccakDomain = 0x01;
    internal const byte Sha3Domain = 0x06;

    /// <summary>keccak256("") = 0xc5d2…a470 (code hash of an account without code).</summary>
    public static readonly Hash256 OfEmpty = Hash([]);

    /// <summary>keccak256(rlp("")) = 0x56e8…b421, the root of an empty Merkle Patricia Trie.</summary>
    public static readonly Hash256 EmptyTrieRoot = Hash([0x80]);

    /// <summary>keccak256(rlp([])) = 0x1dcc…9347, the ommers hash of a block without ommers.</summary>
    public static readonly Hash256 OfEmptyList = Hash([0xc0]);

    [SkipLocalsInit]
    public static Hash256 Hash(ReadOnlySpan<byte> data)
    {
        Span<byte> digest = stackalloc byte[Hash256.Size];
        HashCore(data, digest, KeccakDomain);
        return new Hash256(digest);
    }

    public static void Hash(ReadOnlySpan<byte> data, Span<byte> destination32)
    {
        if (destination32.Length < Hash256.Size)
        {
            throw new ArgumentException("Destination must hold 32 bytes.", nameof(destination32));
        }

        HashCore(data, destination32, KeccakDomain);
    }

    /// <summary>Same sponge with a chosen domain byte; 0x06 gives SHA3-256 (used to cross-check against the platform).</summary>
    [SkipLocalsInit]
    internal static void HashCore(ReadOnlySpan<byte> data, Span<byte> destination32, byte domain)
    {
        const int rate = KeccakPermutation.Rate256;
        Span<ulong> state = stackalloc ulong[25];
        state.Clear();

        while (data.Length >= rate)
        {
            KeccakPermutation.AbsorbBlock(state, data[..rate]);
            data = data[rate..];
        }

        // The last partial block goes into the state lane by lane, padding included, with no block buffer to clear and copy.
        int fullLanes = data.Length >> 3;
        for (int i = 0; i < fullLanes; i++)
        {
            state[i] ^= BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i * 8, 8));
        }

        ulong lastLane = domain; // ends at byte (length mod 8), above the message's tail bytes
        for (int i = data.Length - 1; i >= fullLanes * 8; i--)
        {
            lastLane = (lastLane << 8) | data[i];
        }

        state[fullLanes] ^= lastLane;
        state[rate / 8 - 1] ^= 0x80UL << 56;
        KeccakPermutation.Permute(state);
        Squeeze(state, destination32);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Squeeze(ReadOnlySpan<ulong> state, Span<byte> destination32)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination32, state[0]);
        BinaryPrimitives.WriteUInt64LittleEndian(destination32[8..], state[1]);
        BinaryPrimitives.WriteUInt64LittleEndian(destination32[16..], state[2]);
        BinaryPrimitives.WriteUInt64LittleEndian(destination32[24..], state[3]);
    }
}

/// <summary>
/// Incremental Keccak-256. A mutable value type: keep it in a local or field and pass it by reference.
/// </summary>
public struct KeccakHasher
{
    private KeccakLanes _state;
    private KeccakBlock _pending;
    private int _pendingLength;

    public KeccakHasher()
    {
    }

    public void Reset()
    {
        _state = default;
        _pendingLength = 0;
    }

    public void Update(ReadOnlySpan<byte> data)
    {
        const int rate = KeccakPermutation.Rate256;
        Span<ulong> state = _state;
        Span<byte> pending = _pending;

        if (_pendingLength > 0)
        {
            int take = Math.Min(rate - _pendingLength, data.Length);
            data[..take].CopyTo(pending[_pendingLength..]);
            _pendingLength += take;
            data = data[take..];
            if (_pendingLength < rate)
            {
                return;
            }

            KeccakPermutation.AbsorbBlock(state, pending);
            _pendingLength = 0;
        }

        while (data.Length >= rate)
        {
            KeccakPermutation.AbsorbBlock(state, data[..rate]);
            data = data[rate..];
        }

        data.CopyTo(pending);
        _pendingLength = data.Length;
    }

    /// <summary>Writes the digest and resets the hasher for reuse.</summary>
    public void Finish(Span<byte> destination32)
    {
        if (destination32.Length < Hash256.Size)
        {
            throw new ArgumentException("Destination must hold 32 bytes.", nameof(destination32));
        }

        const int rate = KeccakPermutation.Rate256;
        Span<ulong> state = _state;
        Span<byte> pending = _pending;
        pending[_pendingLength..].Clear();
        pending[_pendingLength] ^= Keccak256.KeccakDomain;
        pending[rate - 1] ^= 0x80;
        KeccakPermutation.AbsorbBlock(state, pending);
        Keccak256.Squeeze(state, destination32);
        Reset();
    }

    [SkipLocalsInit]
    public Hash256 Finish()
    {
        Span<byte> digest = stackalloc byte[Hash256.Size];
        Finish(digest);
        return new Hash256(digest);
    }

    [InlineArray(25)]
    private struct KeccakLanes
    {
        private ulong _lane;
    }

    [InlineArray(KeccakPermutation.Rate256)]
    private struct KeccakBlock
    {
        private byte _byte;
    }
}
