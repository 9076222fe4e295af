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

    /// <summary>How many frames have run this code (for deployed code: across every VM since the entry was cached).</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>Counts one more frame running this code; returns the new count.</summary>
    public long CountCall() => Interlocked.Increment(ref _calls);

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

/// <summary>Thread-safe map from code hash to <see cref="CodeEntry"/>, shared by every VM.</summary>
public sealed class CodeCache
{
    private readonly ConcurrentDictionary<Hash256, CodeEntry> _byCodeHash = new();

    /// <summary>The cache every MetisVM uses.</summary>
    public static CodeCache Shared { get; } = new();

    public int Count => _byCodeHash.Count;

    /// <summary>The entry for deployed <paramref name="code"/> whose hash is <paramref name="codeHash"/>, analysed on first use.</summary>
    public CodeEntry Get(in Hash256 codeHash, byte[] code)
    {
        if (_byCodeHash.TryGetValue(codeHash, out CodeEntry? cached))
        {
            return cached;
        }

        return _byCodeHash.GetOrAdd(codeHash, CodeEntry.ForDeployedCode(code));
    }
}
