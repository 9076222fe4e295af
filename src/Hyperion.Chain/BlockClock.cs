using Hyperion.Core.Blocks;

namespace Hyperion.Chain;

/// <summary>Chooses the timestamp of the next block the producer builds.</summary>
public interface IBlockClock
{
    /// <summary>The next block's timestamp (after <paramref name="parent"/>'s); consumes a one-off override.</summary>
    ulong NextTimestamp(BlockHeader parent);
}

/// <summary>
/// The wall clock, shifted by evm_increaseTime, with a one-off timestamp for the next block (evm_setNextBlockTimestamp,
/// evm_mine with a timestamp). A block is never older than its parent plus one second.
/// </summary>
public sealed class DevClock : IBlockClock
{
    private readonly object _lock = new();
    private long _offsetSeconds;
    private ulong? _next;

    public ulong NextTimestamp(BlockHeader parent)
    {
        ArgumentNullException.ThrowIfNull(parent);
        lock (_lock)
        {
            ulong now = (ulong)Math.Max(0, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + _offsetSeconds);
            ulong timestamp = _next ?? Math.Max(now, parent.Timestamp + 1);
            _next = null;
            return timestamp;
        }
    }

    /// <summary>Moves the clock forward; returns the total offset in seconds.</summary>
    public long IncreaseTime(long seconds)
    {
        lock (_lock)
        {
            _offsetSeconds += seconds;
            return _offsetSeconds;
        }
    }

    /// <summary>The next block's timestamp, whatever the clock says (the caller checks it against the head).</summary>
    public void SetNext(ulong? timestamp)
    {
        lock (_lock)
        {
            _next = timestamp;
        }
    }
}
