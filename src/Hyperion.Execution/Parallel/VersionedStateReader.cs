using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.State;

namespace Hyperion.Execution.Parallel;

/// <summary>
/// The state one position of a block sees, read through the <see cref="MultiVersionMemory"/>: the journaled world
/// state of a transaction's incarnation loads from it, and every read is kept with the value seen, for validation.
/// </summary>
internal sealed class VersionedStateReader(MultiVersionMemory memory, int position) : IStateReader
{
    private readonly List<VersionedRead> _reads = [];
    private readonly Dictionary<Address, AccountValue> _accounts = [];

    /// <summary>Every read so far, in order.</summary>
    public VersionedRead[] Reads => [.. _reads];

    /// <summary>The account as this position first read it.</summary>
    public AccountValue AccountRead(in Address address) => _accounts[address];

    public bool TryGetAccount(in Address address, out Account account)
    {
        AccountValue value = memory.ReadAccount(address, position);
        _reads.Add(new VersionedRead(ReadKind.Account, address, default, value, default, false));
        _accounts.TryAdd(address, value);

        // The storage root is not known here; HasStorage below answers for it.
        account = new Account(value.Nonce, value.Balance, Keccak256.EmptyTrieRoot, value.CodeHash);
        return value.Exists;
    }

    public UInt256 GetStorage(in Address address, in UInt256 key)
    {
        UInt256 value = memory.ReadSlot(address, key, position);
        _reads.Add(new VersionedRead(ReadKind.Slot, address, key, default, value, false));
        return value;
    }

    public bool HasStorage(in Address address, in Hash256 storageRoot)
    {
        bool value = memory.HasStorage(address, position);
        _reads.Add(new VersionedRead(ReadKind.HasStorage, address, default, default, default, value));
        return value;
    }

    public byte[] GetCode(in Hash256 codeHash) => memory.Code(codeHash);
}
