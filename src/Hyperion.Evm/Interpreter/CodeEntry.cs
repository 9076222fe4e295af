using System.Collections.Concurrent;
using Hyperion.Core;
using Hyperion.Evm.Compiled;

namespace Hyperion.Evm.Interpreter;

/// <summary>
/// One piece of code as MetisVM runs it: the bytes, their jump-destination analysis and how often it has been
/// entered. Deployed code is immutable, so one entry per code hash serves every VM (see <see cref="CodeCache"/>);
/// this is where a compiled tier attaches once the call counter says the code is hot.
/// </summary>
public sealed class CodeEntry
{
    private static readonly int ForkCount = Enum.GetValues<Fork>().Length;

    private long _calls;

    // Set when the cache hands the entry out again, cleared by the cache's sweep (second-chance eviction).
    private int _used;

    private const int NotRequested = 0, Queued = 1, Done = 2;

    // Per fork (the compiled code bakes in the fork's gas and handlers): the compiled code, and how far compiling it
    // got (a null compiled code when Done means it did not fit the budgets).
    private readonly CompiledContract?[] _compiled = new CompiledContract?[ForkCount];
    private readonly int[] _compileState = new int[ForkCount];

    private CodeEntry(ReadOnlyMemory<byte> code)
    {
        Code = code;
        JumpDestinations = JumpDestinations.Analyze(code.Span);
    }

    public ReadOnlyMemory<byte> Code { get; }

    public JumpDestinations JumpDestinations { get; }

    /// <summary>
    /// How many frames have run this code (for deployed code: across every VM since the entry was cached), counted up
    /// to <see cref="CallsCountedUpTo"/>.
    /// </summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>
    /// Where the count of <see cref="Calls"/> stops: far above what decides anything (the compiled tier's threshold),
    /// and past it a frame writes nothing to the shared entry. Parallel workers running the same contract (a token's
    /// transfers) otherwise took the entry's cache line from each other's core on every frame.
    /// </summary>
    public const long CallsCountedUpTo = 1024;

    /// <summary>Counts one more frame running this code (up to <see cref="CallsCountedUpTo"/>); returns the count.</summary>
    public long CountCall()
    {
        long calls = Volatile.Read(ref _calls);
        return calls >= CallsCountedUpTo ? calls : Interlocked.Increment(ref _calls);
    }

    /// <summary>Marks the entry as used since the cache's last sweep (written only when not already set: no shared-line traffic on hot code).</summary>
    internal void MarkUsed()
    {
        if (Volatile.Read(ref _used) == 0)
        {
            Volatile.Write(ref _used, 1);
        }
    }

    /// <summary>Clears the used mark; returns whether it was set.</summary>
    internal bool ClearUsed() => Interlocked.Exchange(ref _used, 0) != 0;

    /// <summary>The code compiled for <paramref name="fork"/> if that is done (null while it is queued or when it did not fit).</summary>
    internal CompiledContract? CompiledFor(Fork fork) => Volatile.Read(ref _compiled[(int)fork]);

    /// <summary>The compiled code for <paramref name="fork"/>, compiling it on this thread the first time (null when it does not fit the budgets).</summary>
    internal CompiledContract? CompileNow(Fork fork)
    {
        if (Volatile.Read(ref _compileState[(int)fork]) == Done)
        {
            return CompiledFor(fork);
        }

        CompiledContract? compiled = EvmCompiler.TryCompile(Code.Span, JumpDestinations, fork);
        Interlocked.CompareExchange(ref _compiled[(int)fork], compiled, null);
        Volatile.Write(ref _compileState[(int)fork], Done);
        return CompiledFor(fork);
    }

    /// <summary>The compiled code for <paramref name="fork"/> if ready; otherwise asks the background compiler for it (once) and returns null.</summary>
    internal CompiledContract? CompiledOrQueue(Fork fork)
    {
        if (CompiledFor(fork) is { } done)
        {
            return done;
        }

        if (Interlocked.CompareExchange(ref _compileState[(int)fork], Queued, NotRequested) == NotRequested && !BackgroundCompiler.TryQueue(this, fork))
        {
            // The queue is full: ask again on a later call.
            Interlocked.CompareExchange(ref _compileState[(int)fork], NotRequested, Queued);
        }

        return null;
    }

    /// <summary>An entry for init code, which runs once and has no hash worth computing: analysed per run, never cached.</summary>
    public static CodeEntry ForInitCode(ReadOnlyMemory<byte> initCode) => new(initCode);

    internal static CodeEntry ForDeployedCode(byte[] code) => new(code);
}

/// <summary>
/// Thread-safe map from code hash to <see cref="CodeEntry"/>, shared by every VM, bounded by the bytes of code it
/// holds: past <see cref="CapacityBytes"/> a second-chance sweep drops entries not used since the last sweep until a
/// quarter of the budget is free. Without a bound, every contract ever run (and its compiled code) would stay in
/// memory for the life of the node. Dropping an entry only costs a re-analysis (and re-compilation once hot): a
/// frame already running keeps its entry, and results do not depend on what is cached.
/// </summary>
public sealed class CodeCache
{
    /// <summary>Bytes charged per entry besides its code: the entry, the analysis bitmap and the dictionary slot.</summary>
    internal const int EntryOverheadBytes = 256;

    private readonly ConcurrentDictionary<Hash256, CodeEntry> _byCodeHash = new();
    private readonly Lock _sweepLock = new();
    private long _bytes;

    /// <param name="capacityBytes">Most bytes of code (plus <see cref="EntryOverheadBytes"/> per entry) kept.</param>
    public CodeCache(long capacityBytes = DefaultCapacityBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacityBytes, EntryOverheadBytes);
        CapacityBytes = capacityBytes;
    }

    /// <summary>256 MiB: ~10,000 contracts of the 24 KiB maximum, far more of the usual few KiB.</summary>
    public const long DefaultCapacityBytes = 256L << 20;

    /// <summary>The cache every MetisVM uses.</summary>
    public static CodeCache Shared { get; } = new();

    public long CapacityBytes { get; }

    public int Count => _byCodeHash.Count;

    /// <summary>Bytes charged for the entries held now.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Entries dropped by sweeps so far.</summary>
    public long Evictions { get; private set; }

    /// <summary>The entry for deployed <paramref name="code"/> whose hash is <paramref name="codeHash"/>, analysed on first use.</summary>
    public CodeEntry Get(in Hash256 codeHash, byte[] code)
    {
        if (_byCodeHash.TryGetValue(codeHash, out CodeEntry? cached))
        {
            cached.MarkUsed();
            return cached;
        }

        CodeEntry created = CodeEntry.ForDeployedCode(code);
        CodeEntry entry = _byCodeHash.GetOrAdd(codeHash, created);
        if (ReferenceEquals(entry, created) && Interlocked.Add(ref _bytes, Charge(entry)) > CapacityBytes)
        {
            Sweep();
        }

        return entry;
    }

    private static long Charge(CodeEntry entry) => entry.Code.Length + EntryOverheadBytes;

    /// <summary>
    /// Drops entries not used since the previous sweep (clearing the mark of those that were) until the cache holds at
    /// most three quarters of its budget. One thread sweeps at a time; the others go on without waiting.
    /// </summary>
    private void Sweep()
    {
        if (!_sweepLock.TryEnter())
        {
            return;
        }

        try
        {
            long target = CapacityBytes - CapacityBytes / 4;
            // The first pass drops what was not used again since the last sweep and clears the others' marks; a second
            // pass (everything was in use) drops in enumeration order, so the budget always holds.
            for (int pass = 0; pass < 2 && Bytes > target; pass++)
            {
                foreach (KeyValuePair<Hash256, CodeEntry> pair in _byCodeHash)
                {
                    if (Bytes <= target)
                    {
                        break;
                    }

                    if (pair.Value.ClearUsed())
                    {
                        continue; // used since the last sweep: a second chance
                    }

                    if (_byCodeHash.TryRemove(pair))
                    {
                        Interlocked.Add(ref _bytes, -Charge(pair.Value));
                        Evictions++;
                    }
                }
            }
        }
        finally
        {
            _sweepLock.Exit();
        }
    }
}
