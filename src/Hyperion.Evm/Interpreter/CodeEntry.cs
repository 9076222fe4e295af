using System.Collections.Concurrent;
using Hyperion.Core;

namespace Hyperion.Evm.Interpreter;

/// <summary>
/// One piece of code as MetisVM runs it: the bytes, their jump-destination analysis and how often it has been
/// entered. Deployed code is immutable, so one entry per code hash serves every VM (see <see cref="CodeCache"/>);
/// this is where a compiled tier attaches once the call counter says the code is hot.
/// </summary>
public sealed class CodeEntry
{
    private long _calls;

    private CodeEntry(ReadOnlyMemory<byte> code)
    {
        Code = code;
        JumpDestinations = JumpDestinations.Analyze(code.Span);
    }

    public ReadOnlyMemory<byte> Code { get; }

    public JumpDestinations JumpDestinations { get; }

    /// <summary>How many frames have run this code (for deployed code: across every VM since the entry was cached).</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>Counts one more frame running this code.</summary>
    public void CountCall() => Interlocked.Increment(ref _calls);

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
