namespace Hyperion.Chain;

/// <summary>The dev chain's controls (evm_mine, evm_snapshot/revert, evm_increaseTime, evm_setNextBlockTimestamp).</summary>
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
}
