using System.Text.Json;
using System.Text.Json.Nodes;
using Hyperion.Core.Transactions;

namespace Hyperion.Rpc;

/// <summary>Handler for one RPC method: receives the positional params, returns the JSON result (null → JSON null).</summary>
public delegate ValueTask<JsonNode?> RpcHandler(RpcParams parameters, CancellationToken cancellationToken);

/// <summary>
/// A submission decoded from its params and not admitted yet: its transaction (whose sender may be recovered ahead,
/// on any thread), a blob transaction's sidecar, and the step that admits them to the pool — one delegate for every
/// submission of a module, not a closure per transaction.
/// </summary>
public sealed record DecodedSubmission(Transaction Transaction, BlobSidecar? Sidecar, Func<Transaction, BlobSidecar?, CancellationToken, ValueTask<JsonNode?>> Submit)
{
    /// <summary>Admits the transaction; completes as its method's answer does.</summary>
    public ValueTask<JsonNode?> Admit(CancellationToken cancellationToken) => Submit(Transaction, Sidecar, cancellationToken);
}

/// <summary>Methods by name. Registration happens at startup; lookups are concurrent reads afterwards.</summary>
public sealed class RpcMethodRegistry
{
    private readonly Dictionary<string, RpcHandler> _handlers = new(StringComparer.Ordinal);
    private readonly List<string> _submissions = [];
    private readonly List<(string Name, Func<RpcParams, DecodedSubmission> Decode)> _decoders = [];
    private readonly HashSet<string> _inline = new(StringComparer.Ordinal);

    public RpcMethodRegistry Add(string name, RpcHandler handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(handler);
        if (!_handlers.TryAdd(name, handler))
        {
            throw new InvalidOperationException($"RPC method '{name}' is already registered");
        }

        return this;
    }

    /// <summary>Registers a synchronous handler.</summary>
    public RpcMethodRegistry Add(string name, Func<RpcParams, JsonNode?> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(name, (p, _) => ValueTask.FromResult(handler(p)));
    }

    /// <summary>Bounds on the methods registered with <see cref="AddExecution"/>; read when they are called.</summary>
    public RpcExecutionLimits ExecutionLimits { get; set; } = new();

    /// <summary>Registers a handler that runs the EVM: it is run under <see cref="ExecutionLimits"/>.</summary>
    public RpcMethodRegistry AddExecution(string name, Func<RpcParams, JsonNode?> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(name, (p, cancellationToken) => ExecutionLimits.RunAsync(() => handler(p), cancellationToken));
    }

    /// <summary>
    /// Registers a handler that runs the EVM and changes nothing (eth_call): on the socket engine's thread it is first
    /// tried right there within <see cref="RpcExecutionLimits.InlineBudget"/>, sparing the hand-off to a pool thread
    /// (two thread wake-ups, most of a short call's time: docs/benchmarks.md, s26call); a run that reaches the budget
    /// is abandoned and run again in full on the pool, as every call of the method runs without the trial. Calls to a
    /// target (<paramref name="target"/>: a hash of what the call runs, e.g. its address) that reached the budget lately
    /// go to the pool at once, for a quarter of a second after a first overrun and twice as long after each further one
    /// (up to 32 s): a long call pays the budget ever more rarely, and a short one that reached it only by being
    /// descheduled on a busy machine (the budget is wall-clock time) is not sent to the pool for long.
    /// </summary>
    public RpcMethodRegistry AddExecutionTriedInline(string name, Func<RpcParams, JsonNode?> handler, Func<RpcParams, int> target)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(target);
        var overruns = new InlineOverruns();
        Add(name, (p, cancellationToken) =>
        {
            if (!Thread.CurrentThread.IsThreadPoolThread)
            {
                int key = target(p);
                if (!overruns.Recent(key))
                {
                    switch (ExecutionLimits.TryRunInline(() => handler(p), cancellationToken, out JsonNode? result))
                    {
                        case InlineRun.Finished:
                            overruns.Finished(key);
                            return ValueTask.FromResult(result);
                        case InlineRun.FinishedLate:
                            overruns.Note(key);
                            return ValueTask.FromResult(result);
                        case InlineRun.OverBudget:
                            overruns.Note(key);
                            break;
                    }
                }

                return OnThePool(p, cancellationToken);
            }

            return ExecutionLimits.RunAsync(() => handler(p), cancellationToken);
        });
        _inline.Add(name); // the handler moves itself to the pool when the trial does not finish
        return this;

        async ValueTask<JsonNode?> OnThePool(RpcParams p, CancellationToken cancellationToken)
        {
            await ThreadPoolHop.FromSocketThread;
            return await ExecutionLimits.RunAsync(() => handler(p), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Targets whose inline trial reached the budget lately (by hash, lossy: a collision only costs a hand-off). A
    /// target that reaches it again and again is tried ever more rarely: a quarter of a second after the first overrun,
    /// twice as long after each further one, up to half a minute; a trial that finishes within half the budget makes it a short one again (one that finishes later counts as an overrun).
    /// </summary>
    private sealed class InlineOverruns
    {
        private const long FirstWaitMs = 250;
        private const int MostDoublings = 7; // 250 ms · 2^7 = 32 s
        private readonly long[] _until = new long[256];
        private readonly int[] _doublings = new int[256];

        public bool Recent(int key) => Volatile.Read(ref _until[key & 255]) > Environment.TickCount64;

        public void Note(int key)
        {
            int slot = key & 255;
            int doublings = Volatile.Read(ref _doublings[slot]);
            Volatile.Write(ref _until[slot], Environment.TickCount64 + (FirstWaitMs << doublings));
            Volatile.Write(ref _doublings[slot], Math.Min(doublings + 1, MostDoublings));
        }

        public void Finished(int key)
        {
            int slot = key & 255;
            if (Volatile.Read(ref _doublings[slot]) != 0) // written only when set: no shared-line traffic on the hot path
            {
                Volatile.Write(ref _doublings[slot], 0);
            }
        }
    }

    /// <summary>
    /// Registers a method that submits a transaction (and, when blocks are mined on demand, answers once it is
    /// included): a batch admits its consecutive submissions to the pool together and includes them together.
    /// </summary>
    public RpcMethodRegistry AddSubmission(string name, RpcHandler handler)
    {
        Add(name, handler);
        _submissions.Add(name);
        return this;
    }

    /// <summary>
    /// Registers a submission whose decoding (params → transaction, reading no pool or chain) is apart from its
    /// admission: a batch decodes its submissions of this kind first and recovers their senders in parallel, then
    /// admits them one after another as it would otherwise. A single request decodes and admits at once.
    /// </summary>
    public RpcMethodRegistry AddSubmission(string name, Func<RpcParams, DecodedSubmission> decode)
    {
        ArgumentNullException.ThrowIfNull(decode);
        AddSubmission(name, (p, cancellationToken) => decode(p).Admit(cancellationToken));
        _decoders.Add((name, decode));
        return this;
    }

    /// <summary>Whether <paramref name="method"/> (a JSON string) names a method registered with <see cref="AddSubmission(string, RpcHandler)"/>.</summary>
    public bool IsSubmission(JsonElement method)
    {
        foreach (string name in _submissions)
        {
            if (method.ValueEquals(name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The decoding step of <paramref name="method"/> (a JSON string) when it was registered with one.</summary>
    public bool TryGetDecoder(JsonElement method, out Func<RpcParams, DecodedSubmission> decode)
    {
        foreach ((string name, Func<RpcParams, DecodedSubmission> decoder) in _decoders)
        {
            if (method.ValueEquals(name))
            {
                decode = decoder;
                return true;
            }
        }

        decode = null!;
        return false;
    }

    public bool TryGet(string name, out RpcHandler handler) => _handlers.TryGetValue(name, out handler!);

    /// <summary>
    /// Marks registered methods as short and bounded (a state or index look-up, no EVM, no wait, no unbounded
    /// output): they may run on the thread that read the request, even the socket engine's (see
    /// <see cref="RpcDispatcher"/>). Every other method is moved to the thread pool first when it arrives there.
    /// </summary>
    public RpcMethodRegistry RunInline(params ReadOnlySpan<string> names)
    {
        foreach (string name in names)
        {
            if (!_handlers.ContainsKey(name))
            {
                throw new InvalidOperationException($"RPC method '{name}' is not registered");
            }

            _inline.Add(name);
        }

        return this;
    }

    /// <summary>Whether <paramref name="name"/> was marked with <see cref="RunInline"/>.</summary>
    public bool RunsInline(string name) => _inline.Contains(name);

    public IEnumerable<string> Names => _handlers.Keys;
}

/// <summary>Positional parameters of one call with typed accessors that report the offending parameter index.</summary>
public readonly struct RpcParams
{
    private readonly JsonElement _array;

    public RpcParams(JsonElement array) => _array = array;

    public int Count => _array.ValueKind == JsonValueKind.Array ? _array.GetArrayLength() : 0;

    public bool Has(int index) => index < Count && _array[index].ValueKind != JsonValueKind.Null;

    public JsonElement this[int index] =>
        index < Count ? _array[index] : throw RpcException.InvalidParams($"missing value for required argument {index}");

    public string GetString(int index)
    {
        var element = this[index];
        return element.ValueKind == JsonValueKind.String
            ? RpcDispatcher.ReadStringReplacingLoneSurrogates(element)
            : throw RpcException.InvalidParams($"invalid argument {index}: expected string");
    }

    /// <summary>Even-length 0x-prefixed hex DATA.</summary>
    public byte[] GetData(int index)
    {
        try
        {
            JsonElement element = this[index];
            return element.ValueKind == JsonValueKind.String
                ? EthJson.ParseData(element)
                : throw RpcException.InvalidParams($"invalid argument {index}: expected string");
        }
        catch (FormatException e)
        {
            throw RpcException.InvalidParams($"invalid argument {index}: {e.Message}");
        }
    }

    /// <summary>QUANTITY up to 64 bits.</summary>
    public ulong GetQuantity(int index)
    {
        try
        {
            return EthJson.ParseQuantity(GetString(index));
        }
        catch (FormatException e)
        {
            throw RpcException.InvalidParams($"invalid argument {index}: {e.Message}");
        }
    }
}
