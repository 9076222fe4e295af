using System.Collections.Concurrent;

namespace Hyperion.Rpc;

/// <summary>
/// The requests of one EVM method (eth_call) that used at most <see cref="MaxGas"/> the last time they were made on
/// the same chain state: keyed by their params' exact bytes (call, block, state overrides) and by the state they ran
/// on. The EVM is deterministic, so such a request made again on that state uses exactly as much gas again and may be
/// answered on the thread that read it, even the socket engine's, like a state read (<see cref="RpcDispatcher"/>):
/// the choice is made before the call from what it is, never from a timer, and it changes only which thread runs the
/// call, never its result. A request not found here (new, changed, on another state, long or failed last time) runs
/// on the pool as before, and its run records it for the next time.
/// </summary>
public sealed class ShortCallRecord
{
    /// <summary>
    /// Most gas a call answered on the socket thread may have used: the sub-millisecond calls of evm-bench use 25–130 k
    /// (a few µs to ~0.15 ms of EVM), its 1–2 ms calls 550 k and more (docs/benchmarks.md, s28rpc).
    /// </summary>
    public const ulong MaxGas = 200_000;

    /// <summary>Params larger than this are not recorded (they are also dearer to compare than a hop is to pay).</summary>
    public const int MaxParamsBytes = 64 * 1024;

    /// <summary>Entries kept before the table starts anew, so it stays under a few megabytes whatever clients send.</summary>
    public const int MaxEntries = 64;

    private readonly Func<object?> _stateVersion;
    private readonly ConcurrentDictionary<byte[], object> _entries = new(ByteContent.Instance);
    private readonly ConcurrentDictionary<byte[], object>.AlternateLookup<ReadOnlySpan<byte>> _byContent;

    /// <param name="stateVersion">
    /// An object that changes (by reference) whenever the state a repeated request runs on may have changed, e.g. the
    /// head block; null while that cannot be told (nothing is then answered inline).
    /// </param>
    public ShortCallRecord(Func<object?> stateVersion)
    {
        ArgumentNullException.ThrowIfNull(stateVersion);
        _stateVersion = stateVersion;
        _byContent = _entries.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    /// <summary>
    /// Whether a request with these params used at most <see cref="MaxGas"/> when last made on the current state;
    /// <paramref name="version"/> is that state's version when it did (null otherwise), for its run's <see cref="Record"/>.
    /// </summary>
    public bool RanShort(ReadOnlySpan<byte> parameters, out object? version)
    {
        version = null;
        if (parameters.Length <= MaxParamsBytes && _byContent.TryGetValue(parameters, out object? known)
            && _stateVersion() is { } current && ReferenceEquals(known, current))
        {
            version = current;
            return true;
        }

        return false;
    }

    /// <summary>
    /// What the run of a request with these params used, on <paramref name="version"/> (read before it ran); null: it
    /// failed. <paramref name="foundOn"/> is the version <see cref="RanShort"/> found these params recorded on before
    /// the run (null: not looked up): a short run on that same version changes nothing, and the params (up to
    /// <see cref="MaxParamsBytes"/>) are not hashed and compared a second time.
    /// </summary>
    public void Record(ReadOnlySpan<byte> parameters, object? version, ulong? gasUsed, object? foundOn = null)
    {
        if (parameters.Length > MaxParamsBytes || (foundOn is not null && ReferenceEquals(foundOn, version) && gasUsed <= MaxGas))
        {
            return;
        }

        if (version is null || gasUsed is not ulong gas || gas > MaxGas)
        {
            _byContent.TryRemove(parameters, out _);
            return;
        }

        if (_byContent.TryGetValue(parameters, out object? known) && ReferenceEquals(known, version))
        {
            return;
        }

        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }

        _byContent[parameters] = version;
    }

    /// <summary>The state version to record a run against, read before the run starts.</summary>
    public object? StateVersion() => _stateVersion();
}
