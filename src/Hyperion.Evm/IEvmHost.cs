using Hyperion.Core;
using Hyperion.Evm.Precompiles;

namespace Hyperion.Evm;

/// <summary>
/// Everything MetisVM needs from outside the interpreter (revm's <c>Host</c>): accounts, code, storage and transient
/// storage, the transaction substate (warm sets, refund, logs, self-destructs), the journal, and the block and
/// transaction context. The interpreter talks to nothing else, so the journaled world state
/// (<see cref="WorldStateHost"/>), a multi-version view for parallel execution, or compiled code can sit behind it.
/// </summary>
/// <remarks>
/// Every write is journaled: <see cref="RevertToSnapshot"/> undoes a failed frame exactly, substate included. A write
/// may happen before the instruction has paid for it; when the gas then runs out, the frame fails and is reverted.
/// Also the <see cref="IPrecompileContext"/> a stateful precompile reads through.
/// </remarks>
public interface IEvmHost : IPrecompileContext
{
    // ---- context

    /// <summary>Block-level values (COINBASE, NUMBER, TIMESTAMP, …) and the fork whose rules apply.</summary>
    BlockEnvironment Block { get; }

    /// <summary>Transaction-level values (ORIGIN, GASPRICE, BLOBHASH).</summary>
    TransactionEnvironment Transaction { get; }

    /// <summary>BLOCKHASH: the hash of block <paramref name="number"/>, or zero outside the 256 blocks before the current one.</summary>
    Hash256 GetBlockHash(ulong number);

    // ---- accounts

    /// <summary>True when the account exists (possibly empty).</summary>
    bool AccountExists(in Address address);

    /// <summary>True when the account does not exist or is EIP-161 empty (no nonce, balance or code).</summary>
    bool IsDeadAccount(in Address address);

    UInt256 GetBalance(in Address address);

    ulong GetNonce(in Address address);

    void SetNonce(in Address address, ulong nonce);

    /// <summary>The code hash; <see cref="Hash256.Zero"/> when the account does not exist.</summary>
    Hash256 GetCodeHash(in Address address);

    /// <summary>The code; empty when none. The array must not be modified.</summary>
    byte[] GetCode(in Address address);

    void SetCode(in Address address, byte[] code);

    /// <summary>A fresh account (nonce 0, no code, no storage) keeping any balance already there, as CREATE needs.</summary>
    void CreateAccount(in Address address);

    /// <summary>Adds to the balance, creating and touching the account; adding zero still touches it (EIP-161).</summary>
    void AddBalance(in Address address, in UInt256 amount);

    /// <summary>Subtracts from the balance; the caller has checked that it suffices.</summary>
    void SubtractBalance(in Address address, in UInt256 amount);

    // ---- storage

    /// <summary>The value the slot had when the transaction began (EIP-2200/EIP-3529 net metering).</summary>
    UInt256 GetOriginalStorage(in Address address, in UInt256 key);

    void SetStorage(in Address address, in UInt256 key, in UInt256 value);

    /// <summary>True when the account has non-empty storage (EIP-7610 creation collision).</summary>
    bool HasStorage(in Address address);

    /// <summary>EIP-1153 transient storage (cleared when the transaction ends, reverted with the journal).</summary>
    UInt256 GetTransientStorage(in Address address, in UInt256 key);

    void SetTransientStorage(in Address address, in UInt256 key, in UInt256 value);

    // ---- substate

    /// <summary>EIP-2929: marks the address warm; true when it was cold before.</summary>
    bool WarmAccount(in Address address);

    /// <summary>EIP-2929: marks the slot warm; true when it was cold before.</summary>
    bool WarmStorage(in Address address, in UInt256 key);

    /// <summary>SLOAD: <see cref="WarmStorage"/> (its result in <paramref name="wasCold"/>), then the slot's current value.</summary>
    UInt256 LoadStorage(in Address address, in UInt256 key, out bool wasCold)
    {
        wasCold = WarmStorage(address, key);
        return GetStorage(address, key);
    }

    void AddLog(Log log);

    /// <summary>The refund counter (may go negative inside a frame).</summary>
    long Refund { get; }

    void AddRefund(long amount);

    void SubtractRefund(long amount);

    /// <summary>Registers the account for deletion when the transaction ends; true when it was not registered yet.</summary>
    bool MarkSelfDestructed(in Address address);

    bool IsSelfDestructed(in Address address);

    /// <summary>True when the current transaction created the account (EIP-6780).</summary>
    bool IsCreatedInTransaction(in Address address);

    // ---- journal

    /// <summary>A point to return to with <see cref="RevertToSnapshot"/>.</summary>
    int TakeSnapshot();

    /// <summary>Undoes every change made after <paramref name="snapshot"/>, substate included.</summary>
    void RevertToSnapshot(int snapshot);
}
