using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Hyperion.Core.Crypto;

/// <summary>
/// Keccak-256 of many independent messages at once: 8 (AVX-512) or 4 (AVX2) sponges permuted together, one per
/// vector lane, each lane taking the next message as soon as its own is squeezed (messages of different lengths keep
/// the lanes busy until the queue runs out). Without those instruction sets, one <see cref="Keccak256"/> at a time.
/// </summary>
public static class Keccak256Batch
{
    /// <summary>The implementations, to force one (tests and benchmarks); <see cref="Hash(ReadOnlySpan{byte}, ReadOnlySpan{int}, Span{Hash256})"/> picks the best.</summary>
    internal enum Path
    {
        /// <summary>One message at a time (<see cref="Keccak256"/>).</summary>
        Scalar,

        /// <summary>Four at a time in 256-bit vectors, AVX2 operations only.</summary>
        Lanes256,

        /// <summary>Four at a time in 256-bit vectors with AVX-512VL's rotate and three-input logic.</summary>
        Lanes256Avx512,

        /// <summary>Eight at a time in 512-bit vectors (AVX-512F).</summary>
        Lanes512,
    }

    private const int MaxLanes = 8;
    private const int Rate = KeccakPermutation.Rate256;
    private const int RateWords = Rate / sizeof(ulong);

    /// <summary>True if this machine runs <paramref name="path"/>.</summary>
    internal static bool IsSupported(Path path) => path switch
    {
        Path.Scalar => true,
        Path.Lanes256 => KeccakLanes256.IsSupported,
        Path.Lanes256Avx512 => KeccakLanes256Avx512.IsSupported,
        Path.Lanes512 => KeccakLanes512.IsSupported,
        _ => false,
    };

    /// <summary>
    /// Writes to <paramref name="hashes"/>[i] the Keccak-256 of the i-th message: <paramref name="lengths"/>[i] bytes of
    /// <paramref name="messages"/>, where the messages lie end to end in order.
    /// </summary>
    public static void Hash(ReadOnlySpan<byte> messages, ReadOnlySpan<int> lengths, Span<Hash256> hashes) =>
        Hash(messages, lengths, hashes, Keccak256.KeccakDomain, Best(lengths.Length));

    /// <summary>The path <see cref="Hash(ReadOnlySpan{byte}, ReadOnlySpan{int}, Span{Hash256})"/> takes for <paramref name="count"/> messages (the checks fold to constants).</summary>
    internal static Path Best(int count)
    {
        if (count < 2)
        {
            return Path.Scalar;
        }

        // Up to four messages fill 256-bit lanes: the same instructions as eight lanes, on half the width.
        if (count <= 4 && KeccakLanes256Avx512.IsSupported)
        {
            return Path.Lanes256Avx512;
        }

        if (KeccakLanes512.IsSupported)
        {
            return Path.Lanes512;
        }

        if (KeccakLanes256Avx512.IsSupported)
        {
            return Path.Lanes256Avx512;
        }

        return KeccakLanes256.IsSupported ? Path.Lanes256 : Path.Scalar;
    }

    /// <summary>As the public <see cref="Hash(ReadOnlySpan{byte}, ReadOnlySpan{int}, Span{Hash256})"/>, on a chosen path and with a chosen domain byte (0x06: SHA3-256).</summary>
    internal static void Hash(ReadOnlySpan<byte> messages, ReadOnlySpan<int> lengths, Span<Hash256> hashes, byte domain, Path path)
    {
        if (hashes.Length < lengths.Length)
        {
            throw new ArgumentException("A hash for each message is needed.", nameof(hashes));
        }

        long total = 0;
        foreach (int length in lengths)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(length, nameof(lengths));
            total += length;
        }

        if (total > messages.Length)
        {
            throw new ArgumentException("The lengths add up to more than the messages.", nameof(lengths));
        }

        if (!IsSupported(path))
        {
            throw new PlatformNotSupportedException($"Keccak-256 path {path} needs instructions this machine lacks.");
        }

        switch (path)
        {
            case Path.Lanes512:
                HashInLanes<Vector512<ulong>, KeccakLanes512>(messages, lengths, hashes, domain);
                break;
            case Path.Lanes256Avx512:
                HashInLanes<Vector256<ulong>, KeccakLanes256Avx512>(messages, lengths, hashes, domain);
                break;
            case Path.Lanes256:
                HashInLanes<Vector256<ulong>, KeccakLanes256>(messages, lengths, hashes, domain);
                break;
            default:
                HashEach(messages, lengths, hashes, domain);
                break;
        }
    }

    private static void HashEach(ReadOnlySpan<byte> messages, ReadOnlySpan<int> lengths, Span<Hash256> hashes, byte domain)
    {
        for (int i = 0; i < lengths.Length; i++)
        {
            Keccak256.HashCore(messages[..lengths[i]], MemoryMarshal.AsBytes(hashes.Slice(i, 1)), domain);
            messages = messages[lengths[i]..];
        }
    }

    /// <summary>
    /// The sponges in the lanes of <typeparamref name="TVector"/>: each round absorbs one block into every busy lane
    /// (a full block, or the message's padded last one), permutes all lanes, then squeezes the lanes whose last block
    /// went in and gives them the next message. A lane with none left rides along until the others finish.
    /// </summary>
    [SkipLocalsInit]
    private static void HashInLanes<TVector, TOps>(ReadOnlySpan<byte> messages, ReadOnlySpan<int> lengths, Span<Hash256> hashes, byte domain)
        where TVector : unmanaged
        where TOps : struct, IKeccakLaneOps<TVector>
    {
        int width = Unsafe.SizeOf<TVector>() / sizeof(ulong);

        // Word w of lane j's state at w * width + j: the 25 vectors the permutation loads.
        Span<ulong> state = stackalloc ulong[25 * MaxLanes];
        state = state[..(25 * width)];
        state.Clear();
        Span<int> message = stackalloc int[MaxLanes]; // the lane's message, −1 when it has none
        Span<int> offset = stackalloc int[MaxLanes]; // where its bytes not yet absorbed begin
        Span<int> remaining = stackalloc int[MaxLanes]; // how many there are; −1 once its padded last block is in

        int next = 0;
        int nextOffset = 0;
        for (int lane = 0; lane < width; lane++)
        {
            Assign(lane, lengths, message, offset, remaining, ref next, ref nextOffset);
        }

        while (true)
        {
            bool busy = false;
            for (int lane = 0; lane < width; lane++)
            {
                if (message[lane] >= 0)
                {
                    busy = true;
                    remaining[lane] = AbsorbBlock(ref state[lane], width, messages.Slice(offset[lane], remaining[lane]), domain);
                    offset[lane] += Rate;
                }
            }

            if (!busy)
            {
                return;
            }

            KeccakLanes.Permute<TVector, TOps>(MemoryMarshal.Cast<ulong, TVector>(state));

            for (int lane = 0; lane < width; lane++)
            {
                if (remaining[lane] < 0 && message[lane] >= 0)
                {
                    Span<byte> digest = MemoryMarshal.AsBytes(hashes.Slice(message[lane], 1));
                    for (int word = 0; word < Hash256.Size / sizeof(ulong); word++)
                    {
                        BinaryPrimitives.WriteUInt64LittleEndian(digest[(word * sizeof(ulong))..], state[(word * width) + lane]);
                    }

                    for (int word = 0; word < 25; word++)
                    {
                        state[(word * width) + lane] = 0;
                    }

                    Assign(lane, lengths, message, offset, remaining, ref next, ref nextOffset);
                }
            }
        }
    }

    /// <summary>Gives <paramref name="lane"/> the <paramref name="next"/> message, at <paramref name="nextOffset"/>, or none if all are taken.</summary>
    private static void Assign(int lane, ReadOnlySpan<int> lengths, Span<int> message, Span<int> offset, Span<int> remaining, ref int next, ref int nextOffset)
    {
        if (next < lengths.Length)
        {
            message[lane] = next;
            offset[lane] = nextOffset;
            remaining[lane] = lengths[next];
            nextOffset += lengths[next];
            next++;
        }
        else
        {
            message[lane] = -1;
        }
    }

    /// <summary>
    /// XORs the next block of <paramref name="rest"/> (the lane's message from its first byte not yet absorbed) into
    /// the lane whose first word is <paramref name="lane"/> (its word w at w × <paramref name="width"/> from it): a
    /// full block if there is one, else the rest padded (domain byte after it, 0x80 in the block's last byte). Returns
    /// the bytes left after it, −1 after the padded block.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AbsorbBlock(ref ulong lane, int width, ReadOnlySpan<byte> rest, byte domain)
    {
        // Unchecked word reads and writes: the reads stay below the block's length, checked here, and the writes below
        // 25 words of the lane (the caller's state holds 25 × width).
        ref byte source = ref MemoryMarshal.GetReference(rest);
        if (rest.Length >= Rate)
        {
            for (int word = 0; word < RateWords; word++)
            {
                Unsafe.Add(ref lane, word * width) ^= ReadWord(ref source, word);
            }

            return rest.Length - Rate;
        }

        int whole = rest.Length / sizeof(ulong);
        for (int word = 0; word < whole; word++)
        {
            Unsafe.Add(ref lane, word * width) ^= ReadWord(ref source, word);
        }

        // The bytes after the last whole word, then the domain byte, in one word (a message of 135 bytes mod 136 has
        // the domain byte and the final 0x80 in the same byte: both are XORed in).
        int tail = rest.Length % sizeof(ulong);
        ulong last = (ulong)domain << (8 * tail);
        for (int i = 0; i < tail; i++)
        {
            last |= (ulong)rest[(whole * sizeof(ulong)) + i] << (8 * i);
        }

        Unsafe.Add(ref lane, whole * width) ^= last;
        Unsafe.Add(ref lane, (RateWords - 1) * width) ^= 0x80UL << 56;
        return -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ReadWord(ref byte source, int word)
    {
        ulong value = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref source, word * sizeof(ulong)));
        return BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value);
    }
}
