namespace Hyperion.Core.Transactions;

/// <summary>
/// Sender recovery for the transactions of a whole block (import, a rollup payload, a block test): the signatures
/// are recovered in parallel, each into its transaction's cache, before the caller's own pass in block order, which
/// then finds every valid sender already recovered and reports the first invalid transaction by index exactly as a
/// sequential pass does (a failed recovery is not cached, so that pass tries it again and fails the same way).
/// </summary>
public static class SenderRecovery
{
    /// <summary>Fewer transactions than this are left to the caller's pass: below it the threads cost more than an ecrecover (~50 µs) each.</summary>
    public const int ParallelFrom = 16;

    /// <summary>
    /// Recovers the senders of <paramref name="transactions"/> on up to <paramref name="threads"/> threads (0: one per
    /// core), caching each on its transaction; results are read afterwards with <see cref="Transaction.TryRecoverSender"/>.
    /// </summary>
    public static void Prefetch(IReadOnlyList<Transaction> transactions, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        int degree = threads == 0 ? Environment.ProcessorCount : threads;
        if (transactions.Count < ParallelFrom || degree < 2)
        {
            return;
        }

        Parallel.For(0, transactions.Count, new ParallelOptions { MaxDegreeOfParallelism = degree }, i => transactions[i].TryRecoverSender(out _));
    }

    /// <summary>
    /// Recovers the senders of <paramref name="transactions"/> on a thread-pool thread from the last one backwards,
    /// alongside the caller's own pass in order from the first (which finds what the helper recovered cached), and
    /// returns at once: the two meet in the middle and the helper stops at the first sender it finds recovered. Unlike
    /// <see cref="Prefetch"/> the caller never waits for the helper, so a helper that gets no core (a loaded machine)
    /// costs the caller nothing; with a free core the caller's pass recovers about half of them.
    /// </summary>
    public static void RecoverAlongside(IReadOnlyList<Transaction> transactions)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        if (transactions.Count < ParallelFrom || Environment.ProcessorCount < 2)
        {
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(static list =>
        {
            for (int i = list.Count - 1; i >= 0 && !list[i].IsSenderRecovered; i--)
            {
                list[i].TryRecoverSender(out _);
            }
        }, transactions, preferLocal: false);
    }
}
