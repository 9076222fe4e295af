using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hyperion.Rpc.Tests;

/// <summary>
/// Where the dispatcher runs a method when the request arrives on a thread outside the pool, as it does on the socket
/// engine's thread under inline completions (hyperion dev): a method marked to run inline stays there, any other
/// method and any batch move to the pool, so the arriving thread is free for the other connections at once.
/// (e2e/test/rpc-concurrency.test.mjs checks the same through a running node.)
/// </summary>
public sealed class DispatcherThreadTests
{
    private static readonly TimeSpan Stuck = TimeSpan.FromSeconds(30);

    private static ReadOnlyMemory<byte> Request(string method) =>
        Encoding.UTF8.GetBytes($$"""{"jsonrpc":"2.0","id":1,"method":"{{method}}"}""");

    /// <summary>Runs <paramref name="work"/> on a new thread that is not a pool worker and waits for it to return.</summary>
    private static void OnOwnThread(Action work)
    {
        var thread = new Thread(() => work()) { IsBackground = true };
        thread.Start();
        Assert.True(thread.Join(Stuck), "the arriving thread was held by the method");
    }

    [Fact]
    public async Task A_long_method_moves_to_the_pool_and_frees_the_arriving_thread()
    {
        var registry = new RpcMethodRegistry();
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        bool ranOnPool = false;
        registry.Add("test_long", _ =>
        {
            ranOnPool = Thread.CurrentThread.IsThreadPoolThread;
            entered.Set();
            release.Wait(Stuck); // a long call: held until the test has seen the arriving thread return
            return JsonValue.Create(7);
        });
        var dispatcher = new RpcDispatcher(registry, new RpcServerOptions(), NullLogger.Instance);

        ValueTask<byte[]?> pending = default;
        OnOwnThread(() => pending = dispatcher.DispatchAsync(Request("test_long"), CancellationToken.None));
        Assert.True(entered.Wait(Stuck));
        Assert.True(ranOnPool);
        release.Set();
        byte[]? answer = await pending;
        Assert.Equal(7, JsonDocument.Parse(answer!).RootElement.GetProperty("result").GetInt32());
    }

    [Fact]
    public async Task A_method_marked_inline_is_answered_on_the_arriving_thread_and_a_batch_is_not()
    {
        var registry = new RpcMethodRegistry();
        int ranOn = 0;
        registry.Add("test_short", _ =>
        {
            ranOn = Environment.CurrentManagedThreadId;
            return JsonValue.Create(1);
        }).RunInline("test_short");
        var dispatcher = new RpcDispatcher(registry, new RpcServerOptions(), NullLogger.Instance);

        int arriving = 0;
        ValueTask<byte[]?> single = default;
        OnOwnThread(() =>
        {
            arriving = Environment.CurrentManagedThreadId;
            single = dispatcher.DispatchAsync(Request("test_short"), CancellationToken.None);
        });
        Assert.True(single.IsCompleted);
        Assert.Equal(arriving, ranOn);
        Assert.Equal(1, JsonDocument.Parse((await single)!).RootElement.GetProperty("result").GetInt32());

        ValueTask<byte[]?> batch = default;
        bool batchRanOnPool = false;
        registry.Add("test_where", _ => JsonValue.Create(batchRanOnPool = Thread.CurrentThread.IsThreadPoolThread)).RunInline("test_where");
        OnOwnThread(() => batch = dispatcher.DispatchAsync(Encoding.UTF8.GetBytes("""[{"jsonrpc":"2.0","id":1,"method":"test_where"}]"""), CancellationToken.None));
        Assert.True(JsonDocument.Parse((await batch)!).RootElement[0].GetProperty("result").GetBoolean());
        Assert.True(batchRanOnPool);
    }

    private static ReadOnlyMemory<byte> Call(string parameters) =>
        Encoding.UTF8.GetBytes($$"""{"jsonrpc":"2.0","id":1,"method":"test_call","params":{{parameters}}}""");

    /// <summary>Dispatches <paramref name="request"/> from a thread outside the pool; true when the method ran on that thread.</summary>
    private static async Task<bool> RanOnArrivingThread(RpcDispatcher dispatcher, ReadOnlyMemory<byte> request, Func<int> ranOn)
    {
        int arriving = 0;
        ValueTask<byte[]?> pending = default;
        OnOwnThread(() =>
        {
            arriving = Environment.CurrentManagedThreadId;
            pending = dispatcher.DispatchAsync(request, CancellationToken.None);
        });
        byte[]? answer = await pending;
        Assert.Equal(5, JsonDocument.Parse(answer!).RootElement.GetProperty("result").GetInt32());
        return ranOn() == arriving;
    }

    [Fact]
    public async Task A_call_made_again_on_the_same_state_after_a_short_run_is_answered_on_the_arriving_thread()
    {
        var registry = new RpcMethodRegistry();
        int ranOn = 0;
        object head = new();
        registry.AddExecution("test_call", (RpcParams _, out ulong gasUsed) =>
        {
            ranOn = Environment.CurrentManagedThreadId;
            gasUsed = 30_000;
            return JsonValue.Create(5);
        }, () => head);
        var dispatcher = new RpcDispatcher(registry, new RpcServerOptions(), NullLogger.Instance);

        Assert.False(await RanOnArrivingThread(dispatcher, Call("""[{"to":"0x01"},"latest"]"""), () => ranOn)); // first time: not known yet
        Assert.True(await RanOnArrivingThread(dispatcher, Call("""[{"to":"0x01"},"latest"]"""), () => ranOn));
        Assert.False(await RanOnArrivingThread(dispatcher, Call("""[{"to":"0x02"},"latest"]"""), () => ranOn)); // other params
        Assert.True(await RanOnArrivingThread(dispatcher, Call("""[{"to":"0x01"},"latest"]"""), () => ranOn));
        head = new object(); // a new block: the state may differ, so may the gas
        Assert.False(await RanOnArrivingThread(dispatcher, Call("""[{"to":"0x01"},"latest"]"""), () => ranOn));
        Assert.True(await RanOnArrivingThread(dispatcher, Call("""[{"to":"0x01"},"latest"]"""), () => ranOn));

        // While another request is in progress, calls go to the pool to run side by side.
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        registry.AddExecution("test_hold", _ =>
        {
            entered.Set();
            release.Wait(Stuck);
            return JsonValue.Create(0);
        });
        Task<byte[]?> holding = Task.Run(() => dispatcher.DispatchAsync(Request("test_hold"), CancellationToken.None).AsTask());
        Assert.True(entered.Wait(Stuck));
        Assert.False(await RanOnArrivingThread(dispatcher, Call("""[{"to":"0x01"},"latest"]"""), () => ranOn));
        release.Set();
        await holding;
        Assert.True(await RanOnArrivingThread(dispatcher, Call("""[{"to":"0x01"},"latest"]"""), () => ranOn));
    }

    [Fact]
    public async Task A_call_that_used_much_gas_or_failed_last_time_moves_to_the_pool()
    {
        var registry = new RpcMethodRegistry();
        int ranOn = 0;
        ulong gas = 30_000;
        bool fail = false;
        object head = new();
        registry.AddExecution("test_call", (RpcParams _, out ulong gasUsed) =>
        {
            ranOn = Environment.CurrentManagedThreadId;
            gasUsed = gas;
            return fail ? throw new RpcException("reverted") : JsonValue.Create(5);
        }, () => head);
        var dispatcher = new RpcDispatcher(registry, new RpcServerOptions(), NullLogger.Instance);
        ReadOnlyMemory<byte> request = Call("""[{"to":"0x01"}]""");

        Assert.False(await RanOnArrivingThread(dispatcher, request, () => ranOn));
        gas = ShortCallRecord.MaxGas + 1;
        Assert.True(await RanOnArrivingThread(dispatcher, request, () => ranOn)); // known short: inline (and now recorded long)
        gas = 30_000;
        Assert.False(await RanOnArrivingThread(dispatcher, request, () => ranOn));
        Assert.True(await RanOnArrivingThread(dispatcher, request, () => ranOn));

        fail = true;
        OnOwnThread(() => dispatcher.DispatchAsync(request, CancellationToken.None).AsTask().Wait(Stuck));
        fail = false;
        Assert.False(await RanOnArrivingThread(dispatcher, request, () => ranOn)); // the failure was not recorded as short

        head = null!; // no state version (an open preconfirmed block): never inline
        Assert.False(await RanOnArrivingThread(dispatcher, request, () => ranOn));
        Assert.False(await RanOnArrivingThread(dispatcher, request, () => ranOn));
    }

    [Fact]
    public void Only_registered_methods_can_be_marked_inline() =>
        Assert.Throws<InvalidOperationException>(() => new RpcMethodRegistry().RunInline("eth_nothing"));
}
