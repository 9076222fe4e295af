using System.Runtime.InteropServices;
using Hyperion.Core;

namespace Hyperion.Chain;

/// <summary>
/// The senders waiting for their transactions (<see cref="PendingInclusion"/>) of a block producer that answers a send
/// once the transaction is mined or preconfirmed: the dev chain's sequencer and the rollup's. A wait ends when its
/// transaction is included (<see cref="Complete"/>), dropped by the pool, queued behind a nonce gap, or left in the pool
/// by a production round that started after it was submitted (<see cref="BeginRound"/>/<see cref="EndRound"/>).
/// </summary>
public sealed class InclusionWaits
{
    /// <summary>The waits by transaction hash: the first one, the others (the same transaction sent again meanwhile) chained by <see cref="PendingInclusion.Next"/>.</summary>
    private readonly Dictionary<Hash256, PendingInclusion> _waits = [];
    private readonly Func<bool> _waiting;
    private readonly Action<Task> _include;
    private long _roundsStarted;

    /// <param name="pool">The pool whose announcements (executable, dropped) the waits follow.</param>
    /// <param name="waiting">Whether a send waits now, its transaction mined or preconfirmed by <paramref name="include"/> once submitted (called under <see cref="Lock"/>).</param>
    /// <param name="include">
    /// Mines or preconfirms what the pool has, on the sender's thread: no hand-over to the producer's thread and back.
    /// Its argument is the sender's wait, done once the transaction is included: concurrent senders queue on the
    /// producer's lock, and one whose transaction the one before included has nothing left to do (a group commit).
    /// </param>
    public InclusionWaits(ITransactionPool pool, Func<bool> waiting, Action<Task> include)
    {
        ArgumentNullException.ThrowIfNull(pool);
        _waiting = waiting ?? throw new ArgumentNullException(nameof(waiting));
        _include = include ?? throw new ArgumentNullException(nameof(include));
        pool.TransactionPending += OnTransactionPending;
        pool.TransactionDropped += dropped => Complete([dropped.Hash]);
    }

    /// <summary>Guards the waits; the producer changes what <c>waiting</c> reads under it.</summary>
    public object Lock { get; } = new();

    /// <summary>Begins a wait for <paramref name="hash"/> (before it is submitted to the pool); null when sends do not wait now.</summary>
    public PendingInclusion? Expect(in Hash256 hash)
    {
        lock (Lock)
        {
            if (!_waiting())
            {
                return null;
            }

            var wait = new PendingInclusion(hash, this);
            ref PendingInclusion? first = ref CollectionsMarshal.GetValueRefOrAddDefault(_waits, hash, out _);
            wait.Next = first;
            first = wait;
            return wait;
        }
    }

    /// <summary>The transactions <paramref name="hashes"/> were mined, preconfirmed or dropped: their senders return.</summary>
    public void Complete(IEnumerable<Hash256> hashes)
    {
        lock (Lock)
        {
            foreach (Hash256 hash in hashes)
            {
                if (_waits.TryGetValue(hash, out PendingInclusion? wait))
                {
                    for (; wait is not null; wait = wait.Next)
                    {
                        wait.TrySetResult();
                    }
                }
            }
        }
    }

    /// <summary>Every sender returns (nothing is mined or preconfirmed on demand any more, or the producer stops).</summary>
    public void CompleteAll()
    {
        lock (Lock)
        {
            foreach (PendingInclusion first in _waits.Values)
            {
                for (PendingInclusion? wait = first; wait is not null; wait = wait.Next)
                {
                    wait.TrySetResult();
                }
            }
        }
    }

    /// <summary>A production round starts: it sees every transaction submitted before; the round's number.</summary>
    public long BeginRound()
    {
        lock (Lock)
        {
            return ++_roundsStarted;
        }
    }

    /// <summary>A round ended: what it saw in the pool and left there cannot be mined now (e.g. under the base fee); those senders return.</summary>
    public void EndRound(long round)
    {
        lock (Lock)
        {
            foreach (PendingInclusion first in _waits.Values)
            {
                for (PendingInclusion? wait = first; wait is not null; wait = wait.Next)
                {
                    if (wait.FirstRound <= round)
                    {
                        wait.TrySetResult();
                    }
                }
            }
        }
    }

    /// <summary>
    /// Whether the sender of <paramref name="hash"/> (just announced as executable) includes it itself once it is
    /// submitted: the producer's own thread need not wake for it. One submitted before (queued then, executable now)
    /// has no sender to include it.
    /// </summary>
    public bool SenderIncludes(in Hash256 hash)
    {
        lock (Lock)
        {
            if (!_waits.TryGetValue(hash, out PendingInclusion? wait))
            {
                return false;
            }

            for (; wait is not null; wait = wait.Next)
            {
                if (wait.FirstRound == long.MaxValue)
                {
                    return _waiting();
                }
            }

            return false;
        }
    }

    private void OnTransactionPending(Hash256 hash)
    {
        lock (Lock)
        {
            if (_waits.TryGetValue(hash, out PendingInclusion? wait))
            {
                for (; wait is not null; wait = wait.Next)
                {
                    wait.BecamePending = true;
                }
            }
        }
    }

    internal Task OnSubmitted(PendingInclusion wait)
    {
        bool include;
        lock (Lock)
        {
            if (!wait.BecamePending)
            {
                wait.TrySetResult(); // queued behind a nonce gap: it cannot be mined yet (anvil returns at once too)
            }

            // A round that starts from now on sees the transaction in the pool: it is included, dropped, or left over.
            wait.FirstRound = _roundsStarted + 1;
            include = wait.BecamePending && _waiting();
        }

        if (include && !wait.Task.IsCompleted)
        {
            Task done = wait.Task;
            if (InclusionBatch.Current is { } batch)
            {
                batch.Defer(_include, done); // the batch's other sends are admitted first, then all are included together
            }
            else
            {
                _include(done); // on the sender's thread: the answer follows the execution at once
            }
        }

        return wait.Task;
    }

    internal void Remove(PendingInclusion wait)
    {
        lock (Lock)
        {
            if (!_waits.TryGetValue(wait.Hash, out PendingInclusion? first))
            {
                return;
            }

            if (first == wait)
            {
                if (wait.Next is null)
                {
                    _waits.Remove(wait.Hash);
                }
                else
                {
                    _waits[wait.Hash] = wait.Next;
                }

                return;
            }

            for (PendingInclusion previous = first; previous.Next is not null; previous = previous.Next)
            {
                if (previous.Next == wait)
                {
                    previous.Next = wait.Next;
                    return;
                }
            }
        }
    }
}
