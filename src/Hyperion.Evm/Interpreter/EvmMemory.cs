using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Hyperion.Core;

namespace Hyperion.Evm.Interpreter;

/// <summary>
/// The byte-addressed memory of one call frame: a pooled buffer that grows in 32-byte words and reads as zero where it
/// was never written. Gas for expansion is charged by <see cref="TryExpand"/> before the memory is touched, so
/// <see cref="Size"/> never grows beyond what was paid for. Return the buffer with <see cref="Dispose"/>.
/// </summary>
/// <remarks>
/// Growth is cheap because most expansions (a struct appended word by word) write nothing: the bytes from
/// <see cref="Size"/> to <c>_zeroedEnd</c> are kept zero ahead of use, cleared in chunks of up to 64 KB, and a frame object's
/// memory (frames are reused) rents at its first expansion as much as its previous use reached, so a contract that
/// grows its memory the same way on every call neither copies nor re-rents as it grows.
/// </remarks>
public sealed class EvmMemory : IDisposable
{
    /// <summary>Memory sizes at or above this cannot be paid for with any 64-bit gas amount, so they fail as out of gas.</summary>
    public const ulong MaxPayableSize = 1UL << 32;

    /// <summary>
    /// The largest memory an array can hold (<see cref="Array.MaxLength"/> in whole words): an end beyond it fails as out
    /// of gas. Reaching it costs about 8.8·10^12 gas, far above any block's limit, so this departs from the fee schedule
    /// only for calls no chain could pay for.
    /// </summary>
    private const long MaxBufferSize = 0x7FFF_FFC0;

    /// <summary>The most a previous use's size makes the next use rent up front (a larger memory grows by doubling again).</summary>
    private const int MaxRememberedSize = 1 << 20;

    /// <summary>
    /// How far past the new size is zeroed ahead: as much as is zeroed already, at least <see cref="MinZeroedAhead"/>
    /// (small memories clear once) and at most <see cref="MaxZeroedAhead"/> (a large one wastes little on zeros it
    /// never uses), so a run of one-word expansions clears in a few large steps.
    /// </summary>
    private const int MinZeroedAhead = 1024;
    private const int MaxZeroedAhead = 64 * 1024;

    private byte[] _buffer = [];

    /// <summary>The buffer's length (for tests).</summary>
    internal int Capacity => _buffer.Length;

    /// <summary>The bytes [Size, _zeroedEnd) of the buffer are zero, so growth up to there writes nothing.</summary>
    private long _zeroedEnd;

    /// <summary>The memory gas paid so far, for <see cref="Size"/>: an expansion computes the cost of its new size only.</summary>
    private long _paidCost;

    /// <summary>The size the previous use reached (capped at <see cref="MaxRememberedSize"/>): what the first expansion rents.</summary>
    private int _previousSize;

    /// <summary>
    /// The most a thread's frames hold rented beyond their need on their previous use's account: without it a deep call
    /// stack of frames that were each once large would make every cheap nested call rent a megabyte per frame.
    /// </summary>
    private const long MaxRentedAheadPerThread = 2 << 20;

    /// <summary>What this thread's live frames hold rented beyond their need (frames run and end on one thread).</summary>
    [ThreadStatic]
    private static long t_rentedAhead;

    /// <summary>This frame's part of <see cref="t_rentedAhead"/>, given back when its buffer is.</summary>
    private long _rentedAhead;

    /// <summary>Current size in bytes (always a multiple of 32): what MSIZE returns.</summary>
    public long Size { get; private set; }

    /// <summary>
    /// Charges <paramref name="gas"/> for making [offset, offset+length) addressable and expands memory over it; false
    /// (nothing charged, nothing expanded) when the gas does not cover it. A zero length costs nothing at any offset.
    /// Inlined into the memory instructions' out-of-line expansion path: one call per expansion, not two.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryExpand(ulong offset, ulong length, ref long gas)
    {
        if (length == 0)
        {
            return true;
        }

        if (offset >= MaxPayableSize || length >= MaxPayableSize)
        {
            return false;
        }

        long end = (long)(offset + length);
        if (end <= Size)
        {
            return true;
        }

        long words = GasCost.Words(end);
        long newCost = GasCost.MemoryCost(words);
        if (newCost - _paidCost > gas || words << 5 > MaxBufferSize)
        {
            return false;
        }

        gas -= newCost - _paidCost;
        Grow(words << 5, newCost);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Grow(long newSize, long newCost)
    {
        if (newSize > _zeroedEnd)
        {
            ZeroAhead(newSize);
        }

        Size = newSize;
        _paidCost = newCost;
    }

    /// <summary>Makes [Size, newSize) zero and some beyond it: in the buffer, or in a larger one the contents move to.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ZeroAhead(long newSize)
    {
        if (newSize > _buffer.Length)
        {
            long capacity = Math.Max(newSize, Math.Min(2L * _buffer.Length, MaxBufferSize));
            long ahead = _previousSize - capacity;
            bool rentAhead = ahead > 0 && t_rentedAhead + ahead <= MaxRentedAheadPerThread;
            byte[] grown = ArrayPool<byte>.Shared.Rent(rentAhead ? _previousSize : (int)capacity);
            _buffer.AsSpan(0, (int)Size).CopyTo(grown);
            ReturnBuffer(); // gives back this frame's earlier part of the budget before it takes a new one
            if (rentAhead)
            {
                t_rentedAhead += ahead;
                _rentedAhead = ahead;
            }

            _buffer = grown;
            _zeroedEnd = Size;
        }

        long zeroTo = Math.Min(_buffer.Length, newSize + Math.Clamp(_zeroedEnd, MinZeroedAhead, MaxZeroedAhead));
        _buffer.AsSpan((int)_zeroedEnd, (int)(zeroTo - _zeroedEnd)).Clear();
        _zeroedEnd = zeroTo;
    }

    /// <summary>Whether [offset, offset+length) lies within <see cref="Size"/>: an access there expands nothing and costs no memory gas.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsExpanded(in UInt256 offset, ulong length)
    {
        // Overflow-free: Size - offset is taken only when offset < Size.
        ulong size = (ulong)Size;
        return (offset.U1 | offset.U2 | offset.U3) == 0 && offset.U0 < size && size - offset.U0 >= length;
    }

    /// <summary>The big-endian word at [offset, offset+32), which must already be within <see cref="Size"/> (MLOAD's hot path: no span, no bounds checks).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public UInt256 ReadWord(long offset)
    {
        Debug.Assert(offset >= 0 && offset + 32 <= Size);
        ref byte at = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_buffer), (nint)offset);
        return new UInt256(
            BigEndianLimb(ref Unsafe.Add(ref at, 24)),
            BigEndianLimb(ref Unsafe.Add(ref at, 16)),
            BigEndianLimb(ref Unsafe.Add(ref at, 8)),
            BigEndianLimb(ref at));
    }

    /// <summary>Writes <paramref name="word"/> big-endian at [offset, offset+32), which must already be within <see cref="Size"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteWord(long offset, in UInt256 word)
    {
        Debug.Assert(offset >= 0 && offset + 32 <= Size);
        ref byte at = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_buffer), (nint)offset);
        Unsafe.WriteUnaligned(ref at, BigEndian(word.U3));
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref at, 8), BigEndian(word.U2));
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref at, 16), BigEndian(word.U1));
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref at, 24), BigEndian(word.U0));
    }

    private static ulong BigEndianLimb(ref byte at) => BigEndian(Unsafe.ReadUnaligned<ulong>(ref at));

    private static ulong BigEndian(ulong value) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value;

    /// <summary>The bytes [offset, offset+length), which must already be within <see cref="Size"/>.</summary>
    public Span<byte> Slice(long offset, long length) => _buffer.AsSpan((int)offset, (int)length);

    /// <summary>
    /// The bytes [offset, offset+length) without copying, for a child frame's input: the parent's memory cannot
    /// change while the child runs.
    /// </summary>
    public ReadOnlyMemory<byte> AsMemory(long offset, long length) => _buffer.AsMemory((int)offset, (int)length);

    public void Dispose()
    {
        _previousSize = (int)Math.Min(Size, MaxRememberedSize);
        ReturnBuffer();
        _buffer = [];
        Size = 0;
        _zeroedEnd = 0;
        _paidCost = 0;
    }

    private void ReturnBuffer()
    {
        if (_buffer.Length != 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        t_rentedAhead = Math.Max(0, t_rentedAhead - _rentedAhead);
        _rentedAhead = 0;
    }
}
