using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.State;

namespace Hyperion.Execution.Parallel;

/// <summary>
/// The state one position of a block sees, read through the <see cref="MultiVersionMemory"/>: the journaled world
/// state of a transaction's incarnation loads from it, and every read is kept with the value seen, for validation.
/// </summary>
/// <remarks>A worker reuses one reader for all its incarnations (<see cref="Reset"/>); a record takes a copy of the reads.</remarks>
internal sealed class VersionedStateReader(MultiVersionMemory memory, int position) : IStateReader
{
    // Sized for a simple transaction's reads (sender, recipient, a few slots), so that it rarely grows.
    private readonly List<VersionedRead> _reads = new(16);
    private int _position = position;

    /// <summary>Every read so far, in order, copied (the reader's own list is cleared by the next <see cref="Reset"/>).</summary>
    public VersionedRead[] CopyReads() => [.. _reads];

    /// <summary>Serves position <paramref name="position"/> from now on, with no reads recorded.</summary>
    public void Reset(int position)
    {
        _position = position;
        _reads.Clear();
    }

    /// <summary>The account as this position first read it.</summary>
    /// <remarks>A linear search: a transaction reads few accounts, and a dictionary per incarnation costs more.</remarks>
    public AccountValue AccountRead(in Address address)
    {
        foreach (VersionedRead read in _reads)
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
        AccountValue value = memory.ReadAccount(address, _position);
        _reads.Add(new VersionedRead(ReadKind.Account, address, default, value, default, false));

        // The storage root is not known here; HasStorage below answers for it.
        account = new Account(value.Nonce, value.Balance, Keccak256.EmptyTrieRoot, value.CodeHash);
        return value.Exists;
    }

    public UInt256 GetStorage(in Address address, in UInt256 key)
    {
        UInt256 value = memory.ReadSlot(address, key, _position);
        _reads.Add(new VersionedRead(ReadKind.Slot, address, key, default, value, false));
        return value;
    }

    public bool HasStorage(in Address address, in Hash256 storageRoot)
    {
        bool value = memory.HasStorage(address, _position);
        _reads.Add(new VersionedRead(ReadKind.HasStorage, address, default, default, default, value));
        return value;
    }

    public byte[] GetCode(in Hash256 codeHash) => memory.Code(codeHash);
}
