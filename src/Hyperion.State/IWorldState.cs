using Hyperion.Core;

namespace Hyperion.State;

/// <summary>
/// The mutable, journaled state that transactions execute against (revm's JournaledState, geth's StateDB): accounts,
/// storage, code, and the transaction substate (warm sets, transient storage, logs, refund, self-destructs). Every
/// change is journaled, so <see cref="RevertToSnapshot"/> undoes a failed call frame exactly.
/// </summary>
/// <remarks>
/// The interpreter and the transaction handler use only this interface; the in-memory state and MetisDB provide it.
/// Not thread-safe: one transaction executes on it at a time.
/// </remarks>
public interface IWorldState
{
    // ---- accounts

    /// <summary>True when the account exists (possibly empty).</summary>
    bool Exists(in Address address);

    /// <summary>True when the account does not exist or is EIP-161 empty (no nonce, balance or code).</summary>
    bool IsDead(in Address address);

    UInt256 GetBalance(in Address address);

    ulong GetNonce(in Address address);

    /// <summary>The code hash; <see cref="Hash256.Zero"/> when the account does not exist.</summary>
    Hash256 GetCodeHash(in Address address);

    /// <summary>The code; empty when none. The array must not be modified.</summary>
    byte[] GetCode(in Address address);

    /// <summary>
    /// Creates a fresh account (nonce 0, no code, no storage), keeping any balance already at the address, as CREATE
    /// does when it lands on a pre-funded address.
    /// </summary>
    void CreateAccount(in Address address);

    /// <summary>Adds to the balance, creating the account when missing; adding zero still touches it.</summary>
    void AddBalance(in Address address, in UInt256 amount);

    /// <summary>Subtracts from the balance; the caller has checked that it suffices.</summary>
    void SubtractBalance(in Address address, in UInt256 amount);

    void SetNonce(in Address address, ulong nonce);

    void SetCode(in Address address, byte[] code);

    /// <summary>Marks the account touched (EIP-161: touched empty accounts are deleted when the transaction ends).</summary>
    void Touch(in Address address);

    // ---- storage

    /// <summary>The current value of a slot.</summary>
    UInt256 GetStorage(in Address address, in UInt256 key);

    /// <summary>The value the slot had when the current transaction began (EIP-2200/EIP-3529 gas and refunds).</summary>
    UInt256 GetOriginalStorage(in Address address, in UInt256 key);

    void SetStorage(in Address address, in UInt256 key, in UInt256 value);

    /// <summary>
    /// True when the account has non-empty storage. EIP-7610: a creation whose target has storage (but no code or
    /// nonce) is a collision, like one whose target has code or a nonce.
    /// </summary>
    bool HasStorage(in Address address);

    /// <summary>EIP-1153 transient storage: cleared when the transaction ends, reverted with the journal.</summary>
    UInt256 GetTransientStorage(in Address address, in UInt256 key);

    void SetTransientStorage(in Address address, in UInt256 key, in UInt256 value);

    // ---- transaction substate

    /// <summary>EIP-2929: marks the address warm; true when it was cold before this call.</summary>
    bool WarmAccount(in Address address);

    /// <summary>EIP-2929: marks the slot warm; true when it was cold before this call.</summary>
    bool WarmStorage(in Address address, in UInt256 key);

    /// <summary>
    /// SLOAD's two steps in one call: <see cref="WarmStorage"/> (its result in <paramref name="wasCold"/>), then the
    /// slot's current value. An implementation may answer a repeated load from a cache.
    /// </summary>
    UInt256 LoadStorage(in Address address, in UInt256 key, out bool wasCold)
    {
        wasCold = WarmStorage(address, key);
        return GetStorage(address, key);
    }

    void AddLog(Log log);

    /// <summary>Logs emitted so far in the current transaction (reverted frames' logs are gone).</summary>
    IReadOnlyList<Log> Logs { get; }

    /// <summary>The refund counter (SSTORE clears, pre-London SELFDESTRUCT); may go negative inside a frame.</summary>
    long Refund { get; }

    void AddRefund(long amount);

    void SubtractRefund(long amount);

    /// <summary>Registers the account for deletion when the transaction ends; true when it was not registered yet.</summary>
    bool MarkSelfDestructed(in Address address);

    bool IsSelfDestructed(in Address address);

    /// <summary>True when the account was created by the current transaction (EIP-6780 SELFDESTRUCT rule).</summary>
    bool IsCreatedInTransaction(in Address address);

    // ---- journal and boundaries

    /// <summary>A point to return to with <see cref="RevertToSnapshot"/>.</summary>
    int TakeSnapshot();

    /// <summary>Undoes every change made after <paramref name="snapshot"/> was taken, substate included.</summary>
    void RevertToSnapshot(int snapshot);

    /// <summary>
    /// Ends the current transaction: deletes self-destructed accounts and (when <paramref name="deleteTouchedEmpty"/>,
    /// i.e. EIP-161) touched empty accounts, then clears the journal, warm sets, transient storage, logs and refund.
    /// The state's changes stay until the block is committed.
    /// </summary>
    void FinishTransaction(bool deleteTouchedEmpty);
}
