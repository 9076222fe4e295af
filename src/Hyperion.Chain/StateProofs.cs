using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Core.Rlp;
using Hyperion.State;
using Hyperion.Trie;

namespace Hyperion.Chain;

/// <summary>One storage slot with its value and the storage-trie nodes that prove it (or its absence).</summary>
public sealed record StorageSlotProof(UInt256 Key, UInt256 Value, IReadOnlyList<byte[]> Proof);

/// <summary>
/// EIP-1186: an account (the empty account when it does not exist) with the state-trie nodes that prove it against the
/// block's state root, and the requested slots proven against its storage root.
/// </summary>
public sealed record AccountProof(Address Address, Account Account, IReadOnlyList<byte[]> Proof, IReadOnlyList<StorageSlotProof> StorageProofs);

/// <summary>
/// Builds Merkle proofs by rebuilding the account trie (and the one storage trie asked about) from a walk of the state:
/// simple and independent of how the state is stored, at a cost in proportion to the state's size. The rebuilt roots
/// are checked against the block's state root and the account's storage root, so a proof is never served for
/// anything but the block's committed state.
/// </summary>
public static class StateProofs
{
    public static AccountProof Build(IStateEnumerator state, in Hash256 stateRoot, in Address address, IReadOnlyList<UInt256> slots)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(slots);
        Hash256 addressHash = Keccak256.Hash(address.Bytes);
        var accounts = new List<KeyValuePair<byte[], byte[]>>();
        Account? found = null;
        state.ForEachAccount((in Hash256 hash, in Account account) =>
        {
            accounts.Add(new(hash.Bytes.ToArray(), AccountRlp.Encode(account)));
            if (hash == addressHash)
            {
                found = account;
            }
        });
        PatriciaTrie accountTrie = PatriciaTrie.FromEntries(accounts);
        if (accountTrie.RootHash != stateRoot)
        {
            throw new InvalidOperationException($"the state walk gives root {accountTrie.RootHash}, not the block's {stateRoot}");
        }

        Account result = found ?? Account.Empty;
        var storageProofs = new List<StorageSlotProof>(slots.Count);
        if (found is null)
        {
            // No account, no storage trie: every slot is zero with an empty proof (as geth answers).
            storageProofs.AddRange(slots.Select(slot => new StorageSlotProof(slot, UInt256.Zero, [])));
        }
        else
        {
            PatriciaTrie storageTrie = StorageTrie(state, address, result.StorageRoot, out Dictionary<Hash256, UInt256> values);
            Span<byte> key = stackalloc byte[32];
            foreach (UInt256 slot in slots)
            {
                slot.WriteBigEndian(key);
                Hash256 slotHash = Keccak256.Hash(key);
                storageProofs.Add(new StorageSlotProof(slot, values.GetValueOrDefault(slotHash), storageTrie.GetProof(slotHash.Bytes)));
            }
        }

        return new AccountProof(address, result, accountTrie.GetProof(addressHash.Bytes), storageProofs);
    }

    /// <summary>The storage trie's leaf: RLP of the value's big-endian bytes without leading zeros.</summary>
    public static byte[] EncodeSlotValue(in UInt256 value)
    {
        Span<byte> bytes = stackalloc byte[32];
        int length = value.ByteLength;
        value.WriteBigEndianTrimmed(bytes[..length]);
        return Rlp.EncodeBytes(bytes[..length]);
    }

    private static PatriciaTrie StorageTrie(IStateEnumerator state, in Address address, Hash256 storageRoot, out Dictionary<Hash256, UInt256> values)
    {
        var leaves = new List<KeyValuePair<byte[], byte[]>>();
        var byHash = new Dictionary<Hash256, UInt256>();
        state.ForEachSlot(address, (in Hash256 slotHash, in UInt256 value) =>
        {
            leaves.Add(new(slotHash.Bytes.ToArray(), EncodeSlotValue(value)));
            byHash[slotHash] = value;
        });
        PatriciaTrie trie = PatriciaTrie.FromEntries(leaves);
        if (trie.RootHash != storageRoot)
        {
            throw new InvalidOperationException($"the storage walk of {address} gives root {trie.RootHash}, not its storage root {storageRoot}");
        }

        values = byHash;
        return trie;
    }
}
