namespace Hyperion.Rollup.Config;

/// <summary>A rollup config that cannot be parsed or is inconsistent; <see cref="Errors"/> lists every problem found.</summary>
public sealed class RollupConfigException : Exception
{
    public RollupConfigException()
        : this([])
    {
    }

    public RollupConfigException(string message)
        : this([message])
    {
    }

    public RollupConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [message];
    }

    public RollupConfigException(IReadOnlyList<string> errors)
        : base("invalid rollup config: " + string.Join("; ", errors ?? []))
    {
        Errors = errors ?? [];
    }

    public IReadOnlyList<string> Errors { get; }
}
