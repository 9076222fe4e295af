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

    [Fact]
    public async Task A_short_call_tried_inline_is_answered_on_the_arriving_thread()
    {
        var registry = new RpcMethodRegistry();
        int ranOn = 0;
        registry.AddExecutionTriedInline("test_call", _ =>
        {
            ranOn = Environment.CurrentManagedThreadId;
            return JsonValue.Create(3);
        }, _ => 0);
        var dispatcher = new RpcDispatcher(registry, new RpcServerOptions(), NullLogger.Instance);

        int arriving = 0;
        ValueTask<byte[]?> single = default;
        OnOwnThread(() =>
        {
            arriving = Environment.CurrentManagedThreadId;
            single = dispatcher.DispatchAsync(Request("test_call"), CancellationToken.None);
        });
        Assert.True(single.IsCompleted);
        Assert.Equal(arriving, ranOn);
        Assert.Equal(3, JsonDocument.Parse((await single)!).RootElement.GetProperty("result").GetInt32());
    }

    [Fact]
    public async Task A_call_tried_inline_that_reaches_the_budget_is_run_again_in_full_on_the_pool_and_its_target_goes_there_next()
    {
        var registry = new RpcMethodRegistry { ExecutionLimits = new RpcExecutionLimits { InlineBudget = TimeSpan.FromMilliseconds(20) } };
        var runs = new System.Collections.Concurrent.ConcurrentQueue<(bool OnPool, bool Aborted)>();
        registry.AddExecutionTriedInline("test_call", _ =>
        {
            // As the EVM does: a long run watches the abort token and ends early when it is cancelled.
            CancellationToken abort = Hyperion.Evm.EvmAbort.Current;
            bool onPool = Thread.CurrentThread.IsThreadPoolThread;
            bool aborted = !onPool && abort.WaitHandle.WaitOne(Stuck);
            runs.Enqueue((onPool, aborted));
            return JsonValue.Create(aborted ? -1 : 9);
        }, _ => 42);
        var dispatcher = new RpcDispatcher(registry, new RpcServerOptions(), NullLogger.Instance);

        ValueTask<byte[]?> first = default;
        OnOwnThread(() => first = dispatcher.DispatchAsync(Request("test_call"), CancellationToken.None));
        Assert.Equal(9, JsonDocument.Parse((await first)!).RootElement.GetProperty("result").GetInt32());
        Assert.Equal([(false, true), (true, false)], runs.ToArray());

        runs.Clear();
        ValueTask<byte[]?> second = default;
        OnOwnThread(() => second = dispatcher.DispatchAsync(Request("test_call"), CancellationToken.None));
        Assert.Equal(9, JsonDocument.Parse((await second)!).RootElement.GetProperty("result").GetInt32());
        Assert.Equal([(true, false)], runs.ToArray());
    }

    [Fact]
    public void Only_registered_methods_can_be_marked_inline() =>
        Assert.Throws<InvalidOperationException>(() => new RpcMethodRegistry().RunInline("eth_nothing"));
}
