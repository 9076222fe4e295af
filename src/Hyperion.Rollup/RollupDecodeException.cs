namespace Hyperion.Rollup;

/// <summary>
/// Rollup data from L1 (a deposit log, L1-attributes calldata, a frame, a channel, a batch, a blob, a config update)
/// that does not follow its OP-stack format. Every decoder in this project throws only this type for bad input; the
/// derivation pipeline drops the offending item, as the spec requires, and carries on.
/// </summary>
public sealed class RollupDecodeException : Exception
{
    public RollupDecodeException()
    {
    }

    public RollupDecodeException(string message)
        : base(message)
    {
    }

    public RollupDecodeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
