using Hyperion.Core;
using Hyperion.State.World;

namespace Hyperion.Chain;

/// <summary>
/// The dev chain's controls (evm_mine, evm_snapshot/revert, evm_increaseTime, evm_setNextBlockTimestamp, the mining
/// mode, and anvil's state edits, impersonation and header settings).
/// </summary>
public interface IDevControls
{
    /// <summary>Builds a block now with whatever is pending (possibly none), at <paramref name="timestamp"/> when given.</summary>
    StoredBlock Mine(ulong? timestamp = null);

    /// <summary>
    /// Builds <paramref name="count"/> blocks; with <paramref name="intervalSeconds"/> each after the first is that many
    /// seconds after the one before (anvil_mine, hardhat_mine), else they follow the clock.
    /// </summary>
    void MineBlocks(ulong count, ulong? intervalSeconds);

    /// <summary>Remembers the head (and the state edits made since it); returns the snapshot id.</summary>
    ulong Snapshot();

    /// <summary>Returns the chain to a snapshot's head (dropping later snapshots and pending transactions); false for an unknown id.</summary>
    bool Revert(ulong snapshotId);

    /// <summary>Returns the chain to its genesis block (dropping every later block, state edit, snapshot and pending transaction).</summary>
    void Reset();

    /// <summary>
    /// The whole latest state (state edits since the head included) as a change set on the empty state: every account
    /// by address with its storage and code (anvil_dumpState). Costs a re-execution of the chain from genesis.
    /// </summary>
    StateChangeSet DumpState();

    /// <summary>Moves the clock of future blocks forward; returns the total offset in seconds.</summary>
    long IncreaseTime(long seconds);

    /// <summary>The next block's timestamp; it must be after the head's.</summary>
    void SetNextBlockTimestamp(ulong timestamp);

    /// <summary>Whether a block is mined as soon as a transaction is pending.</summary>
    bool Automine { get; }

    /// <summary>Turns automine on (ending interval mining) or off (then blocks come only from evm_mine), as anvil does.</summary>
    void SetAutomine(bool enabled);

    /// <summary>Mines a block every <paramref name="interval"/> (automine off); null or zero: no interval, only evm_mine.</summary>
    void SetIntervalMining(TimeSpan? interval);

    /// <summary>
    /// Edits an account of the head's state (balance, code, nonce, storage), durably and visibly at once; the next block
    /// includes it. Throws <see cref="InvalidOperationException"/> when the block producer does not apply edits.
    /// </summary>
    void EditState(StateEdit edit);

    /// <summary>The coinbase, gas limit, next base fee and PREVRANDAO of the blocks to come; null when the producer does not take them.</summary>
    BlockSettings? BlockSettings { get; }

    /// <summary>Removes a transaction from the pool; false when it is not there.</summary>
    bool DropTransaction(in Hash256 hash);

    /// <summary>Lets eth_sendTransaction send from <paramref name="address"/> without its key.</summary>
    void Impersonate(in Address address);

    /// <summary>Ends <see cref="Impersonate"/> for <paramref name="address"/>.</summary>
    void StopImpersonating(in Address address);

    /// <summary>Whether every account is impersonated (anvil_autoImpersonateAccount, <c>--auto-impersonate</c>).</summary>
    bool AutoImpersonate { get; set; }

    /// <summary>Whether eth_sendTransaction may send from <paramref name="address"/> without its key.</summary>
    bool IsImpersonated(in Address address);
}
