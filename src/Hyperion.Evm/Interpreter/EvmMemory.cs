using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Hyperion.Core;

namespace Hyperion.Evm.Interpreter;

/// <summary>
/// The byte-addressed memory of one call frame: a pooled buffer that grows in 32-byte words and is zero-filled as it
/// grows. Gas for expansion is computed by <see cref="ExpansionCost"/> before the memory is touched, so the
/// buffer never grows beyond what was paid for. Return the buffer with <see cref="Dispose"/>.
/// </summary>
public sealed class EvmMemory : IDisposable
{
    /// <summary>Memory sizes at or above this cannot be paid for with any 64-bit gas amount, so they fail as out of gas.</summary>
    public const ulong MaxPayableSize = 1UL << 32;

    private byte[] _buffer = [];

    /// <summary>Current size in bytes (always a multiple of 32): what MSIZE returns.</summary>
    public long Size { get; private set; }

    /// <summary>
    /// Gas to expand memory so that [offset, offset+length) is addressable; 0 when no expansion is needed or
    /// <paramref name="length"/> is 0. Returns <see cref="long.MaxValue"/> for ranges no gas could pay for.
    /// </summary>
    public long ExpansionCost(ulong offset, ulong length)
    {
        if (length == 0)
        {
            return 0;
        }

        if (offset >= MaxPayableSize || length >= MaxPayableSize)
        {
            return long.MaxValue;
        }

        long end = (long)(offset + length);
        if (end <= Size)
        {
            return 0;
        }

        return GasCost.MemoryCost(GasCost.Words(end)) - GasCost.MemoryCost(Size >> 5);
    }

    /// <summary>Grows memory to cover [offset, offset+length) (already paid for via <see cref="ExpansionCost"/>).</summary>
    public void Expand(long offset, long length)
    {
        if (length == 0)
        {
            return;
        }

        long newSize = GasCost.Words(offset + length) << 5;
        if (newSize <= Size)
        {
            return;
        }

        if (newSize > _buffer.Length)
        {
            byte[] grown = ArrayPool<byte>.Shared.Rent((int)Math.Max(newSize, Math.Min(2L * _buffer.Length, (long)MaxPayableSize)));
            _buffer.AsSpan(0, (int)Size).CopyTo(grown);
            ReturnBuffer();
            _buffer = grown;
        }

        _buffer.AsSpan((int)Size, (int)(newSize - Size)).Clear();
        Size = newSize;
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
        ReturnBuffer();
        _buffer = [];
        Size = 0;
    }

    private void ReturnBuffer()
    {
        if (_buffer.Length != 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }
    }
}
