using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using Hyperion.Core;

namespace Hyperion.Execution.Parallel;

/// <summary>
/// One bit per hash of each account and slot a chunk read: a location whose bit is clear was not read, one whose bit is
/// set may have been (the chunk's read tables then say). Validation tests a writer's ~1,000 changes against a reader's
/// reads: the reader's tables (entries of ~150 bytes, filled on the helper's core) cost a lookup each, ~50 ns on the
/// caller's path; these bits are a few KB, and the tables are looked up only on a set bit (a few per cent of misses).
/// </summary>
internal sealed class ReadFilter
{
    // Bits per transaction: a transaction reads ~2 accounts (a transfer) or ~1 account and 2 slots (a token's
    // transfer), so ~1/32 of the bits are set: ~3 % of the locations not read are looked up.
    private const int BitsPerTransactionLog2 = 6;
    private const int MinBitsLog2 = 12, MaxBitsLog2 = 20;

    private ulong[] _words = new ulong[1 << (MinBitsLog2 - 6)];
    private int _used = 1 << (MinBitsLog2 - 6);
    private int _shift = 64 - MinBitsLog2;
    private bool _any;

    /// <summary>Every bit cleared (the words kept).</summary>
    public void Clear()
    {
        if (_any)
        {
            Array.Clear(_words, 0, _used);
            _any = false;
        }
    }

    /// <summary>Sized for a chunk of <paramref name="transactions"/> transactions; empty (<see cref="Clear"/>) before.</summary>
    public void Size(int transactions)
    {
        Debug.Assert(!_any, "sized only when empty");
        int log2 = Math.Clamp(64 - BitOperations.LeadingZeroCount((ulong)Math.Max(transactions, 1) << BitsPerTransactionLog2), MinBitsLog2, MaxBitsLog2);
        int used = 1 << (log2 - 6);
        if (_words.Length < used)
        {
            _words = new ulong[used];
        }

        _used = used;
        _shift = 64 - log2;
    }

    public void AddAccount(in Address address) => Set(AccountHash(address));

    public void AddSlot(in Address address, in UInt256 key) => Set(SlotHash(address, key));

    /// <summary>False: <paramref name="address"/> was not read as an account; true: it may have been.</summary>
    public bool MayHoldAccount(in Address address) => Test(AccountHash(address));

    /// <summary>False: that slot was not read; true: it may have been.</summary>
    public bool MayHoldSlot(in Address address, in UInt256 key) => Test(SlotHash(address, key));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Set(ulong hash)
    {
        ulong bit = hash >> _shift;
        _words[bit >> 6] |= 1UL << (int)bit;
        _any = true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Test(ulong hash)
    {
        ulong bit = hash >> _shift;
        return (_words[bit >> 6] & (1UL << (int)bit)) != 0;
    }

    // Multiply-shift: the product's top bits (those the index takes) depend on every bit of the words mixed in.
    private const ulong K0 = 0x9E3779B97F4A7C15, K1 = 0xC2B2AE3D27D4EB4F, K2 = 0x165667B19E3779F9, K3 = 0xD6E8FEB86659FD93;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong AccountHash(in Address address)
    {
        ReadOnlySpan<byte> bytes = address.Bytes;
        ulong a = Unsafe.ReadUnaligned<ulong>(ref Unsafe.AsRef(in bytes[0]));
        ulong b = Unsafe.ReadUnaligned<ulong>(ref Unsafe.AsRef(in bytes[8]));
        uint c = Unsafe.ReadUnaligned<uint>(ref Unsafe.AsRef(in bytes[16]));
        ulong h = (a * K1) ^ (b * K2) ^ (c * K3);
        return (h ^ (h >> 31)) * K0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SlotHash(in Address address, in UInt256 key)
    {
        ulong h = AccountHash(address) ^ (key.U0 * K1) ^ (key.U1 * K2) ^ (key.U2 * K3) ^ key.U3;
        return (h ^ (h >> 29)) * K0;
    }
}
