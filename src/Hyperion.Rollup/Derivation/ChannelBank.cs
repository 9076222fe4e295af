using Hyperion.Rollup.Config;

namespace Hyperion.Rollup.Derivation;

/// <summary>
/// The channel bank stage (derivation.md "Channel Bank"): buffers frames into channels in FIFO order of first
/// sight, times channels out after the configured number of L1 blocks, prunes the oldest channels while the total
/// size exceeds MAX_CHANNEL_BANK_SIZE, and hands out ready channels (first-in only before Canyon, the first ready
/// channel in FIFO order from Canyon on). Deterministic: no wall clock, ordered collections only.
/// </summary>
public sealed class ChannelBank(RollupConfig config)
{
    private readonly RollupConfig _config = config ?? throw new ArgumentNullException(nameof(config));
    private readonly List<Channel> _queue = [];
    private readonly Dictionary<ChannelId, Channel> _channels = [];

    /// <summary>Channels currently buffered, oldest first.</summary>
    public IReadOnlyList<Channel> Channels => _queue;

    /// <summary>Sum of the buffered channels' sizes.</summary>
    public long TotalSize => _queue.Sum(c => c.Size);

    /// <summary>
    /// Ingests a frame read from L1 block <paramref name="origin"/>; returns false with the reason when the spec
    /// drops it (timed-out channel, or the channel's frame rules). Prunes after a successful insert.
    /// </summary>
    public bool IngestFrame(Frame frame, L1BlockRef origin, out string? dropReason)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (!_channels.TryGetValue(frame.ChannelId, out Channel? channel))
        {
            channel = new Channel(frame.ChannelId, origin);
            _channels.Add(frame.ChannelId, channel);
            _queue.Add(channel);
        }

        if (IsTimedOut(channel, origin))
        {
            dropReason = $"channel {channel.Id} timed out";
            return false;
        }

        if (!channel.TryAddFrame(frame, origin, out dropReason))
        {
            return false;
        }

        Prune(origin);
        return true;
    }

    /// <summary>
    /// Removes timed-out channels at the head of the queue, then reads and removes the next ready channel, if any.
    /// </summary>
    public bool TryReadChannel(L1BlockRef origin, out Channel? channel)
    {
        while (_queue.Count > 0 && IsTimedOut(_queue[0], origin))
        {
            Remove(0);
        }

        channel = null;
        if (_queue.Count == 0)
        {
            return false;
        }

        int limit = _config.IsCanyon(origin.Time) ? _queue.Count : 1;
        for (int i = 0; i < limit; i++)
        {
            if (_queue[i].IsReady && !IsTimedOut(_queue[i], origin))
            {
                channel = _queue[i];
                Remove(i);
                return true;
            }
        }

        return false;
    }

    /// <summary>Drops every buffered channel (pipeline reset).</summary>
    public void Clear()
    {
        _queue.Clear();
        _channels.Clear();
    }

    private bool IsTimedOut(Channel channel, L1BlockRef origin) =>
        channel.OpenBlock.Number + _config.ChannelTimeout(origin.Time) < origin.Number;

    private void Prune(L1BlockRef origin)
    {
        long total = TotalSize;
        long max = (long)_config.MaxChannelBankSize(origin.Time);
        while (total > max && _queue.Count > 0)
        {
            total -= _queue[0].Size;
            Remove(0);
        }
    }

    private void Remove(int index)
    {
        _channels.Remove(_queue[index].Id);
        _queue.RemoveAt(index);
    }
}
