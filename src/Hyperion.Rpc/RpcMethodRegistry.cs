using System.Text.Json;
using System.Text.Json.Nodes;
using Hyperion.Core.Transactions;

namespace Hyperion.Rpc;

/// <summary>Handler for one RPC method: receives the positional params, returns the JSON result (null → JSON null).</summary>
public delegate ValueTask<JsonNode?> RpcHandler(RpcParams parameters, CancellationToken cancellationToken);

/// <summary>A handler that runs the EVM and tells how much gas its call used (it throws when the call fails).</summary>
public delegate JsonNode? MeteredExecution(RpcParams parameters, out ulong gasUsed);

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
    private readonly Dictionary<string, ShortCallRecord> _inlineWhenShort = new(StringComparer.Ordinal);

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
    /// Registers a handler that runs the EVM under <see cref="ExecutionLimits"/> and reports its gas: a request made
    /// again on an unchanged state after a run that used little gas is answered on the thread that read it, like a
    /// method marked <see cref="RunInline"/> (<see cref="ShortCallRecord"/>); any other goes to the pool first.
    /// </summary>
    /// <param name="stateVersion">See <see cref="ShortCallRecord(Func{object?})"/>.</param>
    public RpcMethodRegistry AddExecution(string name, MeteredExecution handler, Func<object?> stateVersion)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var record = new ShortCallRecord(stateVersion);
        Add(name, (p, cancellationToken) => ExecutionLimits.RunAsync(() =>
        {
            object? version = record.StateVersion();
            ulong? used = null;
            try
            {
                JsonNode? result = handler(p, out ulong gas);
                used = gas;
                return result;
            }
            finally
            {
                // An aborted run (time limit, client gone) may end early and cheap: it says nothing of the call.
                record.Record(p.RawUtf8, version, Evm.EvmAbort.Current.IsCancellationRequested ? null : used, p.RanShortOn);
            }
        }, cancellationToken));
        _inlineWhenShort.Add(name, record);
        return this;
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

    /// <summary>
    /// Whether this request may run on the thread that read it: its method is marked <see cref="RunInline"/>, or it
    /// is a metered execution (<see cref="AddExecution(string, MeteredExecution, Func{object?})"/>) whose same params
    /// ran short on the current state last time, and it is the only request in progress (<paramref name="alone"/>).
    /// One client's calls in turn then save the hop, while requests from many clients at once still run side by side
    /// on the pool as the socket threads read the next ones (kept on the socket threads at 16 in flight, eth_call's
    /// req/s fell 10–20 %: docs/benchmarks.md, s28rpc).
    /// </summary>
    /// <param name="ranShortOn">
    /// The state version a metered execution's params were found short on (null: not found, or not looked up): pass
    /// it to its handler in <see cref="RpcParams(JsonElement, object?)"/>, so that its run does not look them up again.
    /// </param>
    public bool RunsInline(string name, JsonElement parameters, bool alone, out object? ranShortOn)
    {
        ranShortOn = null;
        return _inline.Contains(name)
            || (alone && _inlineWhenShort.TryGetValue(name, out ShortCallRecord? record) && record.RanShort(new RpcParams(parameters).RawUtf8, out ranShortOn));
    }

    public IEnumerable<string> Names => _handlers.Keys;
}

/// <summary>Positional parameters of one call with typed accessors that report the offending parameter index.</summary>
public readonly struct RpcParams
{
    private readonly JsonElement _array;

    public RpcParams(JsonElement array) => _array = array;

    /// <param name="ranShortOn">See <see cref="RanShortOn"/>.</param>
    public RpcParams(JsonElement array, object? ranShortOn)
    {
        _array = array;
        RanShortOn = ranShortOn;
    }

    /// <summary>
    /// The state version on which the dispatcher found these params of a metered execution recorded as short
    /// (<see cref="ShortCallRecord.RanShort"/>) before the run; null when it did not look or did not find them.
    /// </summary>
    public object? RanShortOn { get; }

    public int Count => _array.ValueKind == JsonValueKind.Array ? _array.GetArrayLength() : 0;

    /// <summary>The params array exactly as the request wrote it (empty when there is none).</summary>
    public ReadOnlySpan<byte> RawUtf8 =>
        _array.ValueKind == JsonValueKind.Array ? System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(_array) : [];

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
