using Hyperion.Core;

namespace Hyperion.State;

/// <summary>Visits one account by its trie key (Keccak-256 of the address); the account carries its storage root.</summary>
public delegate void AccountVisitor(in Hash256 addressHash, in Account account);

/// <summary>Visits one non-zero storage slot by its trie key (Keccak-256 of the slot key).</summary>
public delegate void SlotVisitor(in Hash256 slotHash, in UInt256 value);

/// <summary>
/// Walks a whole committed state by trie keys — what it takes to rebuild the account trie or a storage trie (Merkle
/// proofs). Order is unspecified; a walk costs time in proportion to what it visits.
/// </summary>
public interface IStateEnumerator
{
    /// <summary>Every existing account.</summary>
    void ForEachAccount(AccountVisitor visitor);

    /// <summary>Every non-zero slot of <paramref name="address"/> (none when the account does not exist).</summary>
    void ForEachSlot(in Address address, SlotVisitor visitor);
}
