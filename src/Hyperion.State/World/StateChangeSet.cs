using Hyperion.Core;

namespace Hyperion.State.World;

/// <summary>
/// The net effect of a block (or any span of transactions) on the state, as a state store consumes it: one entry per
/// changed account in ascending address order, plus the code introduced. Applying it to the state it was built on
/// yields the post-state.
/// </summary>
/// <remarks>
/// Per account: when <see cref="AccountChange.Deleted"/> the account and all its storage are gone; otherwise the
/// account holds the given nonce, balance and code hash, and when <see cref="AccountChange.StorageCleared"/> every
/// slot it had before is dropped first (it was destroyed or re-created during the span), after which
/// <see cref="AccountChange.Storage"/> is written (a zero value deletes the slot).
/// </remarks>
public sealed class StateChangeSet(IReadOnlyList<AccountChange> accounts, IReadOnlyList<KeyValuePair<Hash256, byte[]>> code)
{
    /// <summary>Changed accounts in ascending address order.</summary>
    public IReadOnlyList<AccountChange> Accounts { get; } = accounts ?? throw new ArgumentNullException(nameof(accounts));

    /// <summary>Code deployed during the span, by code hash (ascending); the store keeps code content-addressed.</summary>
    public IReadOnlyList<KeyValuePair<Hash256, byte[]>> Code { get; } = code ?? throw new ArgumentNullException(nameof(code));
}

/// <summary>The order of an account's slots in a change set: by key.</summary>
public static class SlotOrder
{
    /// <summary>
    /// The one comparison every sort of (key, value) slots uses. One delegate for all: the runtime's profile-guided
    /// sort (a single instantiation for every caller) inlines the comparison it saw most, and with a lambda per sort
    /// site the one it did not pick ran through an indirect call — a token's ~1,000–2,000 slots a block cost the
    /// sequential change set or the chunks' sorts 0.15–0.3 ms more, whichever lost in that process.
    /// </summary>
    public static readonly Comparison<KeyValuePair<UInt256, UInt256>> ByKey = static (a, b) => a.Key.CompareTo(b.Key);
}

/// <summary>The new state of one account; see <see cref="StateChangeSet"/> for how to apply it.</summary>
public sealed record AccountChange(
    Address Address,
    bool Deleted,
    ulong Nonce,
    UInt256 Balance,
    Hash256 CodeHash,
    bool StorageCleared,
    IReadOnlyList<KeyValuePair<UInt256, UInt256>> Storage);

/// <summary>Receives a world state's net changes one by one (<see cref="WorldState.CollectChanges(IStateChangeSink)"/>), with the meaning of <see cref="AccountChange"/>'s fields.</summary>
public interface IStateChangeSink
{
    /// <summary>A changed account; its slots and code, if any, follow.</summary>
    void Account(in Address address, bool deleted, ulong nonce, in UInt256 balance, in Hash256 codeHash, bool storageCleared);

    /// <summary>A slot written to the account last given (a zero value deletes it).</summary>
    void Slot(in Address address, in UInt256 key, in UInt256 value);

    /// <summary>Code deployed to the account last given.</summary>
    void Code(in Hash256 codeHash, byte[] code);
}
