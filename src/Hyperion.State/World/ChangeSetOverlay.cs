using Hyperion.Core;
using Hyperion.Core.Crypto;

namespace Hyperion.State.World;

/// <summary>
/// A read view of <paramref name="baseState"/> with <paramref name="changes"/> (made on it) applied, without copying
/// either: what a chain of simulated blocks executes on. An account the changes touch reports the base's storage root
/// (unless its storage was cleared or it is new): roots are not recomputed here.
/// </summary>
public sealed class ChangeSetOverlay : IStateReader
{
    private readonly IStateReader _base;
    private readonly Dictionary<Address, AccountChange> _accounts = [];
    private readonly Dictionary<(Address, UInt256), UInt256> _storage = [];
    private readonly Dictionary<Hash256, byte[]> _code = [];

    public ChangeSetOverlay(IStateReader baseState, StateChangeSet changes)
    {
        ArgumentNullException.ThrowIfNull(baseState);
        ArgumentNullException.ThrowIfNull(changes);
        _base = baseState;
        foreach (AccountChange change in changes.Accounts)
        {
            _accounts[change.Address] = change;
            foreach ((UInt256 key, UInt256 value) in change.Storage)
            {
                _storage[(change.Address, key)] = value;
            }
        }

        foreach ((Hash256 hash, byte[] code) in changes.Code)
        {
            _code[hash] = code;
        }
    }

    public bool TryGetAccount(in Address address, out Account account)
    {
        if (!_accounts.TryGetValue(address, out AccountChange? change))
        {
            return _base.TryGetAccount(address, out account);
        }

        if (change.Deleted)
        {
            account = default;
            return false;
        }

        Hash256 storageRoot = !change.StorageCleared && _base.TryGetAccount(address, out Account before) ? before.StorageRoot : Keccak256.EmptyTrieRoot;
        account = new Account(change.Nonce, change.Balance, storageRoot, change.CodeHash);
        return true;
    }

    public UInt256 GetStorage(in Address address, in UInt256 key)
    {
        if (_storage.TryGetValue((address, key), out UInt256 value))
        {
            return value;
        }

        return _accounts.TryGetValue(address, out AccountChange? change) && (change.Deleted || change.StorageCleared)
            ? UInt256.Zero
            : _base.GetStorage(address, key);
    }

    public bool HasStorage(in Address address, in Hash256 storageRoot) =>
        _accounts.TryGetValue(address, out AccountChange? change) ? !change.StorageCleared && !change.Deleted && (change.Storage.Any(slot => !slot.Value.IsZero) || _base.HasStorage(address, storageRoot)) : _base.HasStorage(address, storageRoot);

    public byte[] GetCode(in Hash256 codeHash) => _code.TryGetValue(codeHash, out byte[]? code) ? code : _base.GetCode(codeHash);
}
