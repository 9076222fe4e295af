using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Hyperion.Core.Crypto;

namespace Hyperion.Core;

/// <summary>A 20-byte account address held by value (bytes in memory order).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
public readonly struct Address : IEquatable<Address>, IComparable<Address>
{
    public const int Size = 20;

    public static readonly Address Zero;

    private readonly ulong _u0;
    private readonly ulong _u1;
    private readonly uint _u2;

    public Address(ReadOnlySpan<byte> bytes20)
    {
        if (bytes20.Length != Size)
        {
            throw new ArgumentException($"An Address needs exactly {Size} bytes, got {bytes20.Length}.", nameof(bytes20));
        }

        _u0 = MemoryMarshal.Read<ulong>(bytes20);
        _u1 = MemoryMarshal.Read<ulong>(bytes20[8..]);
        _u2 = MemoryMarshal.Read<uint>(bytes20[16..]);
    }

    /// <summary>
    /// Zero-copy view of the 20 bytes. The span points into this value's storage: use it while the
    /// value lives (a local, field or array element), not on a temporary returned from a call.
    /// </summary>
    public ReadOnlySpan<byte> Bytes =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<ulong, byte>(ref Unsafe.AsRef(in _u0)), Size);

    public bool IsZero => (_u0 | _u1 | _u2) == 0;

    public void CopyTo(Span<byte> destination) => Bytes.CopyTo(destination);

    public byte[] ToArray() => Bytes.ToArray();

    /// <summary>The last 20 bytes of a hash: the address of a public key or of a CREATE/CREATE2 result.</summary>
    public static Address FromHash(in Hash256 hash) => new(hash.Bytes[(Hash256.Size - Size)..]);

    /// <summary>Parses 40 hex digits (optional 0x). All-lower or all-upper is accepted; mixed case must be a valid EIP-55 checksum.</summary>
    public static Address Parse(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        ReadOnlySpan<char> digits = Hex.StripPrefix(hex);
        if (digits.Length != Size * 2)
        {
            throw new FormatException($"An Address needs {Size * 2} hex digits (after an optional 0x), got {digits.Length}.");
        }

        var address = new Address(Hex.Decode(hex));
        if (IsMixedCase(digits) && !address.MatchesChecksum(digits))
        {
            throw new FormatException($"Address {hex} has mixed case but fails its EIP-55 checksum (expected {address.ToChecksumString()}).");
        }

        return address;
    }

    public static bool TryParse(string? hex, out Address value)
    {
        value = default;
        if (hex is null)
        {
            return false;
        }

        ReadOnlySpan<char> digits = Hex.StripPrefix(hex);
        Span<byte> bytes = stackalloc byte[Size];
        if (digits.Length != Size * 2 || !Hex.TryDecode(digits, bytes, out _))
        {
            return false;
        }

        var address = new Address(bytes);
        if (IsMixedCase(digits) && !address.MatchesChecksum(digits))
        {
            return false;
        }

        value = address;
        return true;
    }

    /// <summary>EIP-55 mixed-case checksum form, 0x-prefixed.</summary>
    public string ToChecksumString()
    {
        Span<char> chars = stackalloc char[2 + Size * 2];
        chars[0] = '0';
        chars[1] = 'x';
        WriteChecksumDigits(chars[2..]);
        return new string(chars);
    }

    public override string ToString() => Hex.Encode(Bytes);

    private void WriteChecksumDigits(Span<char> digits)
    {
        Hex.EncodeTo(Bytes, digits);
        Span<byte> ascii = stackalloc byte[Size * 2];
        for (int i = 0; i < ascii.Length; i++)
        {
            ascii[i] = (byte)digits[i];
        }

        Span<byte> hash = stackalloc byte[Hash256.Size];
        Keccak256.Hash(ascii, hash);
        for (int i = 0; i < digits.Length; i++)
        {
            int nibble = (i & 1) == 0 ? hash[i / 2] >> 4 : hash[i / 2] & 0xF;
            if (nibble >= 8 && digits[i] >= 'a')
            {
                digits[i] = (char)(digits[i] - 'a' + 'A');
            }
        }
    }

    private bool MatchesChecksum(ReadOnlySpan<char> digits)
    {
        // The checksum form costs a Keccak; clients send the same few addresses again and again (an RPC read names
        // one in every request), so the forms last computed are kept, one per slot of a small table.
        ChecksumForm?[] forms = s_checksumForms;
        int slot = GetHashCode() & (forms.Length - 1);
        ChecksumForm? form = forms[slot];
        if (form is null || form.Address != this)
        {
            Span<char> expected = stackalloc char[Size * 2];
            WriteChecksumDigits(expected);
            form = new ChecksumForm(this, new string(expected));
            forms[slot] = form;
        }

        return digits.SequenceEqual(form.Digits);
    }

    /// <summary>An address and its EIP-55 digits (immutable: a slot is replaced whole, so readers on other threads see either form entirely).</summary>
    private sealed record ChecksumForm(Address Address, string Digits);

    private static readonly ChecksumForm?[] s_checksumForms = new ChecksumForm?[256];

    private static bool IsMixedCase(ReadOnlySpan<char> digits) =>
        digits.IndexOfAnyInRange('a', 'f') >= 0 && digits.IndexOfAnyInRange('A', 'F') >= 0;

    public bool Equals(Address other) => _u0 == other._u0 && _u1 == other._u1 && _u2 == other._u2;

    public override bool Equals(object? obj) => obj is Address other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_u0, _u1, _u2);

    /// <summary>
    /// Byte-wise lexicographic order (as <c>Bytes.SequenceCompareTo</c>), compared as three big-endian words:
    /// state changes are sorted by address on every block, so this is hot.
    /// </summary>
    public int CompareTo(Address other)
    {
        if (_u0 != other._u0)
        {
            return BigEndianWord(_u0) < BigEndianWord(other._u0) ? -1 : 1;
        }

        if (_u1 != other._u1)
        {
            return BigEndianWord(_u1) < BigEndianWord(other._u1) ? -1 : 1;
        }

        if (_u2 != other._u2)
        {
            return BigEndianWord(_u2) < BigEndianWord(other._u2) ? -1 : 1;
        }

        return 0;
    }

    /// <summary>A word read in memory order, as the number its bytes make in big-endian (first byte most significant).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong BigEndianWord(ulong memoryOrder) =>
        BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(memoryOrder) : memoryOrder;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint BigEndianWord(uint memoryOrder) =>
        BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(memoryOrder) : memoryOrder;

    public static bool operator ==(Address left, Address right) => left.Equals(right);

    public static bool operator !=(Address left, Address right) => !left.Equals(right);

    public static bool operator <(Address left, Address right) => left.CompareTo(right) < 0;

    public static bool operator >(Address left, Address right) => left.CompareTo(right) > 0;

    public static bool operator <=(Address left, Address right) => left.CompareTo(right) <= 0;

    public static bool operator >=(Address left, Address right) => left.CompareTo(right) >= 0;
}
