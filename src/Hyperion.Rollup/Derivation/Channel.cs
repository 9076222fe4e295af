namespace Hyperion.Rollup.Derivation;

/// <summary>
/// The frames of one channel buffered in the channel bank (derivation.md "Channel Bank"): frames may arrive in any
/// order; a channel is ready once its closing frame and every frame before it are present.
/// </summary>
public sealed class Channel
{
    /// <summary>Per-frame overhead counted in channel sizes for pruning.</summary>
    public const int FrameSizeOverhead = 200;

    private readonly SortedDictionary<ushort, Frame> _frames = [];
    private ushort _endFrameNumber;
    private ushort _highestFrameNumber;

    public Channel(ChannelId id, L1BlockRef openBlock)
    {
        Id = id;
        OpenBlock = openBlock;
        HighestL1InclusionBlock = openBlock;
    }

    public ChannelId Id { get; }

    /// <summary>The L1 block in which the channel's first frame was seen.</summary>
    public L1BlockRef OpenBlock { get; }

    /// <summary>The latest L1 block that contributed a frame.</summary>
    public L1BlockRef HighestL1InclusionBlock { get; private set; }

    /// <summary>True once the frame with <c>is_last</c> has been added.</summary>
    public bool IsClosed { get; private set; }

    /// <summary>Buffered frame data plus <see cref="FrameSizeOverhead"/> per frame.</summary>
    public long Size { get; private set; }

    /// <summary>Closed, and frames 0 through the closing frame are all present.</summary>
    public bool IsReady => IsClosed && _frames.Count == _endFrameNumber + 1;

    /// <summary>
    /// Adds a frame, or returns why the spec drops it: a second closing frame, a duplicate frame number, or a frame
    /// numbered at or past the closing frame. A closing frame removes any buffered frames numbered above it.
    /// </summary>
    public bool TryAddFrame(Frame frame, L1BlockRef inclusionBlock, out string? dropReason)
    {
        ArgumentNullException.ThrowIfNull(frame);
        dropReason = frame.ChannelId != Id ? "frame belongs to another channel"
            : frame.IsLast && IsClosed ? "channel already has a closing frame"
            : _frames.ContainsKey(frame.Number) ? $"duplicate frame {frame.Number}"
            : IsClosed && frame.Number >= _endFrameNumber ? $"frame {frame.Number} is past the closing frame {_endFrameNumber}"
            : null;
        if (dropReason is not null)
        {
            return false;
        }

        if (frame.IsLast)
        {
            _endFrameNumber = frame.Number;
            IsClosed = true;
            if (_endFrameNumber < _highestFrameNumber)
            {
                foreach (ushort number in _frames.Keys.Where(n => n >= _endFrameNumber).ToArray())
                {
                    Size -= FrameSize(_frames[number]);
                    _frames.Remove(number);
                }

                _highestFrameNumber = _endFrameNumber;
            }
        }

        _highestFrameNumber = Math.Max(_highestFrameNumber, frame.Number);
        if (inclusionBlock.Number > HighestL1InclusionBlock.Number)
        {
            HighestL1InclusionBlock = inclusionBlock;
        }

        _frames[frame.Number] = frame;
        Size += FrameSize(frame);
        return true;
    }

    /// <summary>The channel's data: the frames' data in frame order. Only valid once <see cref="IsReady"/>.</summary>
    public byte[] ReadData()
    {
        if (!IsReady)
        {
            throw new InvalidOperationException("channel is not ready");
        }

        byte[] data = new byte[_frames.Values.Sum(f => (long)f.Data.Length)];
        int offset = 0;
        foreach (Frame frame in _frames.Values)
        {
            frame.Data.Span.CopyTo(data.AsSpan(offset));
            offset += frame.Data.Length;
        }

        return data;
    }

    private static long FrameSize(Frame frame) => frame.Data.Length + FrameSizeOverhead;
}
