using System.Buffers;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hyperion.Chain;
using Hyperion.Core.Transactions;
using Microsoft.Extensions.Logging;

namespace Hyperion.Rpc;

/// <summary>Limits applied to every request.</summary>
public sealed class RpcServerOptions
{
    public string Host { get; set; } = "127.0.0.1";
    public int Port { get; set; } = 8545;
    public long MaxRequestBodyBytes { get; set; } = 5 * 1024 * 1024;
    public int MaxBatchSize { get; set; } = 1000;
    public int MaxJsonDepth { get; set; } = 64;

    /// <summary>Default of <see cref="MaxConnectionsPerClient"/>: ample for tools and browsers on one machine.</summary>
    public const int DefaultMaxConnectionsPerClient = 256;

    /// <summary>TCP connections (HTTP or WebSocket) one remote address may hold open at once; 0 for no limit.</summary>
    public int MaxConnectionsPerClient { get; set; } = DefaultMaxConnectionsPerClient;

    /// <summary>Called with the duration of every request (a batch counts once), for the latency histogram.</summary>
    public Action<TimeSpan>? OnRequestCompleted { get; set; }

    /// <summary>Called after each method call with the method, its duration and its error code (null: it succeeded), for per-method metrics.</summary>
    public Action<string, TimeSpan, int?>? OnMethodCompleted { get; set; }

    /// <summary>Writes the Prometheus text served on /metrics; null disables the endpoint.</summary>
    public Func<Stream, CancellationToken, Task>? Metrics { get; set; }

    /// <summary>Where the server logs (a line per method call at debug); null: warnings and errors on the console.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>
    /// Origins browsers may call from (--cors): "*" for any; empty sends no CORS headers (same-origin only). A request
    /// carrying a browser Origin may use unlocked keys only when that origin is listed by name ("*" does not grant it).
    /// </summary>
    public IReadOnlyList<string> CorsOrigins { get; set; } = [];

    /// <summary>
    /// Whether the runtime completes socket operations on its event thread (<see cref="InlineSocketCompletionsVariable"/>
    /// is "1" when the first socket is made; <c>hyperion dev</c> sets it): a request is then read, answered and
    /// written on that thread when it is short (Kestrel's inline scheduling), without a wake-up of a pool worker.
    /// </summary>
    public static bool InlineSocketCompletions => Environment.GetEnvironmentVariable(InlineSocketCompletionsVariable) == "1";

    /// <summary>The runtime's switch, read once per process by its socket engine (there is no runtimeconfig setting).</summary>
    public const string InlineSocketCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// Kestrel's inline scheduling: the request runs on the thread that received it, and its answer is written from
    /// there. Useful only with <see cref="InlineSocketCompletions"/> (otherwise that thread is a pool worker, and at
    /// saturation it was slower: docs/benchmarks.md, s22rpc); long methods hop to the pool (<see cref="ThreadPoolHop"/>).
    /// </summary>
    public bool InlineScheduling { get; set; } = InlineSocketCompletions;
}

/// <summary>
/// Parses a JSON-RPC 2.0 payload (single or batch), runs the handlers and writes the response.
/// Never throws for bad input: every failure becomes a well-formed error object.
/// A request may arrive on the socket engine's own thread (inline socket completions with Kestrel's inline
/// scheduling, <see cref="RpcServer"/>): methods marked <see cref="RpcMethodRegistry.RunInline"/> are answered there,
/// every other method and every batch first moves to the thread pool (<see cref="ThreadPoolHop"/>), so a long call
/// never holds up the other connections that thread serves.
/// </summary>
public sealed partial class RpcDispatcher
{
    private readonly RpcMethodRegistry _registry;
    private readonly RpcServerOptions _options;
    private readonly ILogger _logger;

    /// <summary>Requests (a batch counts once) being dispatched now, on every connection.</summary>
    private int _requestsInProgress;

    public RpcDispatcher(RpcMethodRegistry registry, RpcServerOptions options, ILogger logger)
    {
        _registry = registry;
        _options = options;
        _logger = logger;
    }

    /// <summary>Returns the UTF-8 response, or null when nothing must be sent (only notifications).</summary>
    public async ValueTask<byte[]?> DispatchAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var output = new ArrayBufferWriter<byte>(256);
        return await DispatchAsync(payload, output, cancellationToken).ConfigureAwait(false) ? output.WrittenSpan.ToArray() : null;
    }

    /// <summary>
    /// Writes the UTF-8 response to <paramref name="output"/>; false when nothing must be sent (only notifications).
    /// The payload is read in place: it must stay unchanged until this completes.
    /// </summary>
    public async ValueTask<bool> DispatchAsync(ReadOnlyMemory<byte> payload, IBufferWriter<byte> output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        Interlocked.Increment(ref _requestsInProgress);
        try
        {
            return await DispatchCountedAsync(payload, output, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _requestsInProgress);
        }
    }

    private async ValueTask<bool> DispatchCountedAsync(ReadOnlyMemory<byte> payload, IBufferWriter<byte> output, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = _options.MaxJsonDepth });
        }
        catch (JsonException)
        {
            return Write(output, RpcResponse.Error(null, RpcErrorCodes.ParseError, "parse error", null));
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array)
            {
                var single = await HandleIsolatedAsync(root, decoded: null, cancellationToken).ConfigureAwait(false);
                return single is not null && Write(output, single);
            }

            int length = root.GetArrayLength();
            if (length == 0)
            {
                return Write(output, RpcResponse.Error(null, RpcErrorCodes.InvalidRequest, "empty batch", null));
            }

            if (length > _options.MaxBatchSize)
            {
                return Write(output, RpcResponse.Error(null, RpcErrorCodes.InvalidRequest, $"batch too large: {length} > {_options.MaxBatchSize}", null));
            }

            await ThreadPoolHop.FromSocketThread; // a batch's length is the client's: never on the socket engine's thread
            _registry.ExecutionLimits.BeginBatch();
            var responses = new RpcResponse?[length];
            await HandleBatchAsync(root, responses, cancellationToken).ConfigureAwait(false);
            if (Array.TrueForAll(responses, r => r is null))
            {
                return false;
            }

            Utf8JsonWriter writer = Writer(output);
            writer.WriteStartArray();
            foreach (var response in responses)
            {
                response?.Write(writer);
            }

            writer.WriteEndArray();
            writer.Flush();
            return true;
        }
    }

    /// <summary>
    /// A batch's entries in order, one response each (null for a notification). Consecutive transaction submissions
    /// are admitted to the pool one after another and then included together (<see cref="InclusionBatch"/>): with
    /// automine, a run of N sends becomes one block rather than N, and each send still answers once its transaction is
    /// mined, with its own error if it has one. Any other entry first waits for the sends before it to be included, so
    /// a read after them sees them as it would after separate requests (geth also runs a batch's entries in order;
    /// anvil runs them concurrently, with no such promise). Raw transactions are decoded first and their senders
    /// recovered alongside their admission (<see cref="DecodeSubmissions"/>), which keeps the batch's order.
    /// </summary>
    private async ValueTask HandleBatchAsync(JsonElement batch, RpcResponse?[] responses, CancellationToken cancellationToken)
    {
        var submissions = new Task<RpcResponse?>[responses.Length];
        object?[]? decoded = DecodeSubmissions(batch, responses.Length);
        int index = 0;
        int answered = 0;
        using InclusionBatch inclusions = InclusionBatch.Begin();
        foreach (var entry in batch.EnumerateArray())
        {
            if (entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("method"u8, out JsonElement method)
                && method.ValueKind == JsonValueKind.String && _registry.IsSubmission(method))
            {
                submissions[index] = HandleIsolatedAsync(entry, decoded?[index], cancellationToken).AsTask(); // admitted now, included with the run
                index++;
                continue;
            }

            answered = await AnswerSubmissionsAsync(inclusions, submissions, responses, answered, index).ConfigureAwait(false);
            responses[index++] = await HandleIsolatedAsync(entry, decoded: null, cancellationToken).ConfigureAwait(false);
            answered = index;
        }

        await AnswerSubmissionsAsync(inclusions, submissions, responses, answered, index).ConfigureAwait(false);
    }

    /// <summary>
    /// The batch's submissions that decode apart from their admission (<see cref="RpcMethodRegistry.TryGetDecoder"/>),
    /// by entry: each a <see cref="DecodedSubmission"/>, or the failure its handler would have thrown (thrown when its
    /// entry's turn comes, so it is answered as before); null when there are none. A helper thread then recovers their
    /// senders from the last one backwards (secp256k1, the costly part of admitting a transaction) while the admissions
    /// recover from the first, each sender cached on its transaction: neither waits for the other.
    /// </summary>
    private object?[]? DecodeSubmissions(JsonElement batch, int length)
    {
        object?[]? decoded = null;
        List<Transaction>? transactions = null;
        int index = 0;
        foreach (JsonElement entry in batch.EnumerateArray())
        {
            if (entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("method"u8, out JsonElement method)
                && method.ValueKind == JsonValueKind.String && _registry.TryGetDecoder(method, out Func<RpcParams, DecodedSubmission> decode)
                && entry.TryGetProperty("params"u8, out JsonElement parameters) && parameters.ValueKind == JsonValueKind.Array)
            {
                decoded ??= new object?[length];
                try
                {
                    DecodedSubmission submission = decode(new RpcParams(parameters));
                    decoded[index] = submission;
                    (transactions ??= []).Add(submission.Transaction);
                }
                catch (Exception e)
                {
                    decoded[index] = ExceptionDispatchInfo.Capture(e);
                }
            }

            index++;
        }

        if (transactions is not null)
        {
            SenderRecovery.RecoverAlongside(transactions);
        }

        return decoded;
    }

    /// <summary>Includes the run of submissions <paramref name="from"/>..<paramref name="to"/> and takes their answers; gives <paramref name="to"/>.</summary>
    private static async ValueTask<int> AnswerSubmissionsAsync(InclusionBatch inclusions, Task<RpcResponse?>[] submissions,
        RpcResponse?[] responses, int from, int to)
    {
        if (from == to)
        {
            return to;
        }

        inclusions.Include();
        for (int i = from; i < to; i++)
        {
            responses[i] = await submissions[i].ConfigureAwait(false);
        }

        return to;
    }

    /// <summary>
    /// The text of a JSON string; a lone UTF-16 surrogate (<c>"\ud800"</c>, which has no UTF-8 form) becomes U+FFFD,
    /// as geth does, instead of failing the request.
    /// </summary>
    internal static string ReadStringReplacingLoneSurrogates(JsonElement element)
    {
        try
        {
            return element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            string raw = element.GetRawText();
            string repaired = LoneSurrogateEscape().Replace(raw, "\\ufffd");
            using JsonDocument document = JsonDocument.Parse(repaired);
            return document.RootElement.GetString()!;
        }
    }

    /// <summary>A \uD800–\uDBFF escape not followed by a low one, or a \uDC00–\uDFFF escape not preceded by a high one.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}")]
    private static partial System.Text.RegularExpressions.Regex LoneSurrogateEscape();

    /// <summary>
    /// An id as the response echoes it: a string id with lone surrogates repaired (see above). Responses are written
    /// before the request's document is released, so an id without escapes is echoed from it as it is.
    /// </summary>
    private static JsonElement EchoableId(JsonElement id)
    {
        if (id.ValueKind != JsonValueKind.String || !System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(id).Contains((byte)'\\'))
        {
            return id;
        }

        string text = ReadStringReplacingLoneSurrogates(id);
        using JsonDocument document = JsonDocument.Parse(JsonSerializer.Serialize(text));
        return document.RootElement.Clone();
    }

    /// <summary>
    /// One request; whatever goes wrong with it is answered for it alone, never fails a batch or a connection. (One
    /// method, not a catching wrapper around the handling: each was a state machine per request that waits.)
    /// </summary>
    /// <param name="decoded">The request's submission decoded ahead (<see cref="DecodeSubmissions"/>), admitted instead of calling the handler; null: none.</param>
    private async ValueTask<RpcResponse?> HandleIsolatedAsync(JsonElement request, object? decoded, CancellationToken cancellationToken)
    {
        try
        {
            if (request.ValueKind != JsonValueKind.Object)
            {
                return RpcResponse.Error(null, RpcErrorCodes.InvalidRequest, "invalid request", null);
            }

            // Ids: string, number or null; anything else makes the request invalid (answered with id null).
            JsonElement? id = null;
            bool isNotification = true;
            if (request.TryGetProperty("id"u8, out var idElement))
            {
                isNotification = false;
                if (idElement.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.Null))
                {
                    return RpcResponse.Error(null, RpcErrorCodes.InvalidRequest, "invalid request id", null);
                }

                id = EchoableId(idElement);
            }

            if (!request.TryGetProperty("jsonrpc"u8, out var version) || version.ValueKind != JsonValueKind.String
                || !version.ValueEquals("2.0"u8))
            {
                return RpcResponse.Error(id, RpcErrorCodes.InvalidRequest, "invalid request: jsonrpc must be \"2.0\"", null);
            }

            if (!request.TryGetProperty("method"u8, out var methodElement) || methodElement.ValueKind != JsonValueKind.String)
            {
                return RpcResponse.Error(id, RpcErrorCodes.InvalidRequest, "invalid request: method must be a string", null);
            }

            var paramsElement = default(JsonElement);
            if (request.TryGetProperty("params"u8, out var p))
            {
                if (p.ValueKind is not (JsonValueKind.Array or JsonValueKind.Null))
                {
                    return isNotification ? null
                        : RpcResponse.Error(id, RpcErrorCodes.InvalidParams, "invalid params: expected a positional array", null);
                }

                paramsElement = p;
            }

            string method = ReadStringReplacingLoneSurrogates(methodElement);
            if (!_registry.TryGet(method, out var handler))
            {
                return isNotification ? null
                    : RpcResponse.Error(id, RpcErrorCodes.MethodNotFound, $"the method {method} does not exist/is not available", null);
            }

            if (!_registry.RunsInline(method, paramsElement, alone: Volatile.Read(ref _requestsInProgress) == 1, out object? ranShortOn))
            {
                await ThreadPoolHop.FromSocketThread;
            }

            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                var result = await Run(handler, new RpcParams(paramsElement, ranShortOn), decoded, cancellationToken).ConfigureAwait(false);
                Completed(method, started, null, null);
                return isNotification ? null : RpcResponse.Success(id, result);
            }
            catch (RpcException e)
            {
                Completed(method, started, e.Code, e.Message);
                return isNotification ? null : RpcResponse.Error(id, e.Code, e.Message, e.ErrorData);
            }
            catch (Hyperion.Chain.StoredBlockDamagedException e)
            {
                // Damage on disk, not a bug: the client is told which block and what to run (the operator reads the same in the log).
                LogHandlerFailure(_logger, method, e);
                Completed(method, started, RpcErrorCodes.Internal, e.Message);
                return isNotification ? null : RpcResponse.Error(id, RpcErrorCodes.Internal, e.Message, null);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogHandlerFailure(_logger, method, e);
                Completed(method, started, RpcErrorCodes.Internal, "internal error");
                return isNotification ? null : RpcResponse.Error(id, RpcErrorCodes.Internal, "internal error", null);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogHandlerFailure(_logger, "(request)", e);
            return RpcResponse.Error(null, RpcErrorCodes.InvalidRequest, "invalid request", null);
        }
    }

    /// <summary>Calls the handler, or admits the submission decoded ahead (throwing the failure its decoding met).</summary>
    private static ValueTask<JsonNode?> Run(RpcHandler handler, RpcParams parameters, object? decoded, CancellationToken cancellationToken)
    {
        if (decoded is null)
        {
            return handler(parameters, cancellationToken);
        }

        if (decoded is ExceptionDispatchInfo failure)
        {
            failure.Throw();
        }

        return ((DecodedSubmission)decoded).Admit(cancellationToken);
    }

    /// <summary>The debug line and the per-method metrics of one call (only registered methods: names clients make up are not labels).</summary>
    private void Completed(string method, long started, int? errorCode, string? error)
    {
        TimeSpan elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        _options.OnMethodCompleted?.Invoke(method, elapsed, errorCode);
        if (errorCode is int code)
        {
            LogMethodFailed(_logger, method, code, error, elapsed.TotalMilliseconds, null);
        }
        else
        {
            LogMethodCall(_logger, method, elapsed.TotalMilliseconds, null);
        }
    }

    private static readonly Action<ILogger, string, double, Exception?> LogMethodCall =
        LoggerMessage.Define<string, double>(LogLevel.Debug, new EventId(2, "RpcCall"), "rpc {Method} ok in {Milliseconds:0.###} ms");

    private static readonly Action<ILogger, string, int, string?, double, Exception?> LogMethodFailed =
        LoggerMessage.Define<string, int, string?, double>(LogLevel.Debug, new EventId(3, "RpcCallFailed"), "rpc {Method} error {Code} ({Error}) in {Milliseconds:0.###} ms");

    private static readonly Action<ILogger, string, Exception?> LogHandlerFailure =
        LoggerMessage.Define<string>(LogLevel.Error, new EventId(1, "RpcHandlerFailed"), "RPC handler {Method} failed");

    /// <summary>A writer per thread, reset onto each response's output: responses are written without an await in between.</summary>
    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    private static Utf8JsonWriter Writer(IBufferWriter<byte> output)
    {
        if (t_writer is null)
        {
            t_writer = new Utf8JsonWriter(output);
        }
        else
        {
            t_writer.Reset(output);
        }

        return t_writer;
    }

    private static bool Write(IBufferWriter<byte> output, RpcResponse response)
    {
        Utf8JsonWriter writer = Writer(output);
        response.Write(writer);
        writer.Flush();
        return true;
    }

    private sealed class RpcResponse
    {
        private JsonElement? _id;
        private JsonNode? _result;
        private int _code;
        private string? _message;
        private string? _data;

        public static RpcResponse Success(JsonElement? id, JsonNode? result) => new() { _id = id, _result = result };

        public static RpcResponse Error(JsonElement? id, int code, string message, string? data) =>
            new() { _id = id, _code = code, _message = message, _data = data };

        public void Write(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc", "2.0");
            writer.WritePropertyName("id");
            if (_id is { } id)
            {
                id.WriteTo(writer);
            }
            else
            {
                writer.WriteNullValue();
            }

            if (_message is null)
            {
                writer.WritePropertyName("result");
                if (_result is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    _result.WriteTo(writer);
                }
            }
            else
            {
                writer.WriteStartObject("error");
                writer.WriteNumber("code", _code);
                writer.WriteString("message", _message);
                if (_data is not null)
                {
                    writer.WriteString("data", _data);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }
    }
}
