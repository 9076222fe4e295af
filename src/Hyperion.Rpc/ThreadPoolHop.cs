using System.Runtime.CompilerServices;

namespace Hyperion.Rpc;

/// <summary>
/// <c>await ThreadPoolHop.FromSocketThread</c>: continues on a thread-pool worker when the caller is on any other
/// thread (the socket engine's event thread, when sockets complete inline), and at once when it is on one already.
/// The execution context flows as with any await.
/// </summary>
public readonly struct ThreadPoolHop : ICriticalNotifyCompletion
{
    public static ThreadPoolHop FromSocketThread => default;

    public ThreadPoolHop GetAwaiter() => this;

    public bool IsCompleted => Thread.CurrentThread.IsThreadPoolThread;

    public void GetResult()
    {
    }

    public void OnCompleted(Action continuation) =>
        ThreadPool.QueueUserWorkItem(static c => c(), continuation, preferLocal: false);

    public void UnsafeOnCompleted(Action continuation) =>
        ThreadPool.UnsafeQueueUserWorkItem(static c => c(), continuation, preferLocal: false);
}
