namespace Hyperion.Chain;

/// <summary>The dev chain's controls (evm_mine, evm_snapshot/revert, evm_increaseTime, evm_setNextBlockTimestamp, the mining mode).</summary>
public interface IDevControls
{
    /// <summary>Builds a block now with whatever is pending (possibly none), at <paramref name="timestamp"/> when given.</summary>
    StoredBlock Mine(ulong? timestamp = null);

    /// <summary>Remembers the head; returns the snapshot id.</summary>
    ulong Snapshot();

    /// <summary>Returns the chain to a snapshot's head (dropping later snapshots and pending transactions); false for an unknown id.</summary>
    bool Revert(ulong snapshotId);

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
}
