using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.State;

namespace Hyperion.Execution.Parallel;

/// <summary>
/// The state one position of a block sees, read through the <see cref="MultiVersionMemory"/>: the journaled world
/// state of a transaction's incarnation loads from it, and every read is kept with the value seen, for validation.
/// </summary>
/// <remarks>
/// A worker reuses one reader for all its incarnations (<see cref="Reset"/>); the reads go to the worker's arena, and a
/// record takes them from it (<see cref="TakeReads"/>) without a copy.
/// </remarks>
internal sealed class VersionedStateReader(MultiVersionMemory memory, int position, SegmentArena<VersionedRead> reads) : IStateReader
{
    private int _position = position;
    private int _nearestWriter = -1;

    /// <summary>Every read since <see cref="Reset"/>, in order; they stay valid until the block's arenas are returned.</summary>
    public ArraySegment<VersionedRead> TakeReads() => reads.Take();

    /// <summary>Serves position <paramref name="position"/> from now on, with no reads recorded (reads not taken are dropped).</summary>
    public void Reset(int position)
    {
        _position = position;
        _nearestWriter = -1;
        reads.Discard();
    }

    /// <summary>
    /// The highest position below whose write an account or slot read since <see cref="Reset"/> saw (-1: every read was
    /// of the parent state): how close behind its writer this position runs, which tells a dependency chain.
    /// </summary>
    public int NearestWriter => _nearestWriter;

    /// <summary>The account as this position first read it.</summary>
    /// <remarks>A linear search: a transaction reads few accounts, and a dictionary per incarnation costs more.</remarks>
    public AccountValue AccountRead(in Address address)
    {
        foreach (ref readonly VersionedRead read in reads.Open)
        {
            if (read.Kind == ReadKind.Account && read.Address == address)
            {
                return read.Account;
            }
        }

        throw new InvalidOperationException($"the account {address} was not read at this position");
    }

    public bool TryGetAccount(in Address address, out Account account)
    {
        AccountValue value = memory.ReadAccount(address, _position, out int writer);
        _nearestWriter = Math.Max(_nearestWriter, writer);
        reads.Add(VersionedRead.OfAccount(address, value, writer < 0));

        // The storage root is not known here; HasStorage below answers for it.
        account = new Account(value.Nonce, value.Balance, Keccak256.EmptyTrieRoot, value.CodeHash);
        return value.Exists;
    }

    public UInt256 GetStorage(in Address address, in UInt256 key)
    {
        UInt256 value = memory.ReadSlot(address, key, _position, out int writer);
        _nearestWriter = Math.Max(_nearestWriter, writer);
        reads.Add(VersionedRead.OfSlot(address, key, value, writer < 0));
        return value;
    }

    public bool HasStorage(in Address address, in Hash256 storageRoot)
    {
        bool value = memory.HasStorage(address, _position);
        reads.Add(VersionedRead.OfHasStorage(address, value));
        return value;
    }

    public byte[] GetCode(in Hash256 codeHash) => memory.Code(codeHash);
}
