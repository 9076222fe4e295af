namespace Hyperion.State.MetisDb;

/// <summary>
/// The net effect of one block on the state, keyed by hashed address and hashed slot, in the order the store needs:
/// an account destroyed during the block loses all its storage; writes recorded after the destruction belong to the
/// account's next incarnation.
/// </summary>
public sealed class MetisBlockChanges
{
    internal sealed class AccountChange
    {
        public bool Destroyed;
        public MetisAccount? Account;
        public bool AccountSet;
        public readonly Dictionary<Key32, byte[]> Storage = [];
    }

    internal Dictionary<Key32, AccountChange> Accounts { get; } = [];

    internal Dictionary<Key32, byte[]> Code { get; } = [];

    public int AccountCount => Accounts.Count;

    /// <summary>Sets the account (creates it if absent). Its storage root is computed by the store.</summary>
    public void SetAccount(in Key32 addressHash, ulong nonce, in Key32 balance, in Key32 codeHash)
    {
        AccountChange change = Get(addressHash);
        change.Account = new MetisAccount(nonce, balance, codeHash, MetisAccount.EmptyStorageRoot);
        change.AccountSet = true;
    }

    /// <summary>Destroys the account and its storage; later calls in the same block write a fresh incarnation.</summary>
    public void DeleteAccount(in Key32 addressHash)
    {
        AccountChange change = Get(addressHash);
        change.Destroyed = true;
        change.Account = null;
        change.AccountSet = false;
        change.Storage.Clear();
    }

    /// <summary>Sets a storage slot to a big-endian value of up to 32 bytes; zero deletes the slot.</summary>
    public void SetStorage(in Key32 addressHash, in Key32 slotHash, ReadOnlySpan<byte> value)
    {
        if (value.Length > 32)
        {
            throw new ArgumentException("A storage value has at most 32 bytes.", nameof(value));
        }

        Get(addressHash).Storage[slotHash] = TrieNodeRlp.TrimLeadingZeros(value).ToArray();
    }

    public void AddCode(in Key32 codeHash, byte[] code)
    {
        ArgumentNullException.ThrowIfNull(code);
        Code[codeHash] = code;
    }

    private AccountChange Get(in Key32 addressHash)
    {
        if (!Accounts.TryGetValue(addressHash, out AccountChange? change))
        {
            change = new AccountChange();
            Accounts.Add(addressHash, change);
        }

        return change;
    }
}
