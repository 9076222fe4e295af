using Hyperion.Core.Blocks;

namespace Hyperion.Chain;

/// <summary>Chooses the timestamp of the next block the producer builds.</summary>
public interface IBlockClock
{
    /// <summary>The next block's timestamp (after <paramref name="parent"/>'s); consumes a one-off override.</summary>
    ulong NextTimestamp(BlockHeader parent);

    /// <summary>Changes whenever the clock is moved or given a timestamp (a block opened before that is built again).</summary>
    long Version => 0;
}

/// <summary>
/// The wall clock, shifted by evm_increaseTime, with a one-off timestamp for the next block (evm_setNextBlockTimestamp,
/// evm_mine with a timestamp), after which the clock continues from that timestamp. A block is never older than its
/// parent plus one second.
/// </summary>
public sealed class DevClock : IBlockClock
{
    private readonly object _lock = new();
    private long _offsetSeconds;
    private ulong? _next;
    private long _version;

    public long Version => Interlocked.Read(ref _version);

    public ulong NextTimestamp(BlockHeader parent)
    {
        ArgumentNullException.ThrowIfNull(parent);
        lock (_lock)
        {
            long wallClock = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            ulong now = (ulong)Math.Max(0, wallClock + _offsetSeconds);
            if (_next is ulong next)
            {
                // As anvil and Hardhat: the clock continues from a block given its timestamp, so a later
                // evm_increaseTime counts from there.
                _next = null;
                _offsetSeconds = (long)Math.Min(next, long.MaxValue) - wallClock;
                return next;
            }

            return Math.Max(now, parent.Timestamp + 1);
        }
    }

    /// <summary>Moves the clock forward; returns the total offset in seconds.</summary>
    public long IncreaseTime(long seconds)
    {
        lock (_lock)
        {
            _offsetSeconds += seconds;
            Interlocked.Increment(ref _version);
            return _offsetSeconds;
        }
    }

    /// <summary>The next block's timestamp, whatever the clock says (the caller checks it against the head).</summary>
    public void SetNext(ulong? timestamp)
    {
        lock (_lock)
        {
            _next = timestamp;
            Interlocked.Increment(ref _version);
        }
    }
}
