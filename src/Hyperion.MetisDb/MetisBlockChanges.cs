using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.State;
using Hyperion.State.World;

namespace Hyperion.MetisDb;

/// <summary>
/// The net effect of one block on the state, in the order the store needs: an account destroyed during the block loses
/// all its storage; writes recorded after the destruction belong to the account's next incarnation. Keyed by hashed
/// address and hashed slot (the trie's keys); the <see cref="Address"/> / slot-key overloads hash for the caller.
/// </summary>
public sealed class MetisBlockChanges
{
    internal sealed class AccountChange
    {
        public bool Destroyed;
        public Account? Account;
        public readonly Dictionary<Hash256, UInt256> Storage = [];
    }

    internal Dictionary<Hash256, AccountChange> Accounts { get; } = [];

    internal Dictionary<Hash256, byte[]> Code { get; } = [];

    public int AccountCount => Accounts.Count;

    /// <summary>
    /// The store's form of a block's net changes as <see cref="WorldState.CollectChanges"/> yields them: a deleted
    /// account is destroyed; an account whose storage was cleared (destroyed or re-created) is destroyed and then set,
    /// so its new storage starts a fresh incarnation.
    /// </summary>
    public static MetisBlockChanges From(StateChangeSet changes) => From([changes]);

    /// <summary>The net effect of several spans applied one after the other (e.g. simulated blocks stacked on a state).</summary>
    public static MetisBlockChanges From(IEnumerable<StateChangeSet> spans)
    {
        ArgumentNullException.ThrowIfNull(spans);
        var result = new MetisBlockChanges();
        foreach (StateChangeSet changes in spans)
        {
            result.Add(changes);
        }

        return result;
    }

    private void Add(StateChangeSet changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        foreach ((Hash256 codeHash, byte[] code) in changes.Code)
        {
            AddCodeByHash(codeHash, code);
        }

        foreach (Hyperion.State.World.AccountChange change in changes.Accounts)
        {
            Hash256 addressHash = Keccak256.Hash(change.Address.Bytes);
            if (change.Deleted || change.StorageCleared)
            {
                DeleteAccountByHash(addressHash);
                if (change.Deleted)
                {
                    continue;
                }
            }

            SetAccountByHash(addressHash, change.Nonce, change.Balance, change.CodeHash);
            foreach ((UInt256 key, UInt256 value) in change.Storage)
            {
                SetStorageByHash(addressHash, SlotHash(key), value);
            }
        }
    }

    /// <summary>Sets the account (creates it if absent). Its storage root is computed by the store.</summary>
    public void SetAccount(in Address address, ulong nonce, in UInt256 balance, in Hash256 codeHash) =>
        SetAccountByHash(Keccak256.Hash(address.Bytes), nonce, balance, codeHash);

    /// <summary>Destroys the account and its storage; later calls in the same block write a fresh incarnation.</summary>
    public void DeleteAccount(in Address address) => DeleteAccountByHash(Keccak256.Hash(address.Bytes));

    /// <summary>Sets a storage slot; zero deletes it.</summary>
    public void SetStorage(in Address address, in UInt256 key, in UInt256 value) =>
        SetStorageByHash(Keccak256.Hash(address.Bytes), SlotHash(key), value);

    /// <summary>Stores code under its Keccak-256 hash.</summary>
    public void AddCode(byte[] code)
    {
        ArgumentNullException.ThrowIfNull(code);
        Code[Keccak256.Hash(code)] = code;
    }

    public void SetAccountByHash(in Hash256 addressHash, ulong nonce, in UInt256 balance, in Hash256 codeHash) =>
        Get(addressHash).Account = new Account(nonce, balance, Keccak256.EmptyTrieRoot, codeHash);

    public void DeleteAccountByHash(in Hash256 addressHash)
    {
        AccountChange change = Get(addressHash);
        change.Destroyed = true;
        change.Account = null;
        change.Storage.Clear();
    }

    public void SetStorageByHash(in Hash256 addressHash, in Hash256 slotHash, in UInt256 value) => Get(addressHash).Storage[slotHash] = value;

    /// <summary>Stores code under a hash the caller has already computed (it must be the Keccak-256 of the code).</summary>
    public void AddCodeByHash(in Hash256 codeHash, byte[] code)
    {
        ArgumentNullException.ThrowIfNull(code);
        Code[codeHash] = code;
    }

    /// <summary>The storage trie key of a slot: Keccak-256 of its 32-byte big-endian key.</summary>
    public static Hash256 SlotHash(in UInt256 key)
    {
        Span<byte> bytes = stackalloc byte[32];
        key.WriteBigEndian(bytes);
        return Keccak256.Hash(bytes);
    }

    private AccountChange Get(in Hash256 addressHash)
    {
        if (!Accounts.TryGetValue(addressHash, out AccountChange? change))
        {
            change = new AccountChange();
            Accounts.Add(addressHash, change);
        }

        return change;
    }
}
