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
    private readonly Dictionary<Hash256, List<PendingInclusion>> _waits = [];
    private readonly Func<bool> _waiting;
    private readonly Func<bool> _preconfirming;
    private readonly Action _preconfirm;
    private long _roundsStarted;

    /// <param name="pool">The pool whose announcements (executable, dropped) the waits follow.</param>
    /// <param name="waiting">Whether a send waits now (called under <see cref="Lock"/>).</param>
    /// <param name="preconfirming">Whether a submitted transaction is preconfirmed at once (called under <see cref="Lock"/>).</param>
    /// <param name="preconfirm">Preconfirms what the pool has, on the sender's thread: no hand-over to the producer's thread and back.</param>
    public InclusionWaits(ITransactionPool pool, Func<bool> waiting, Func<bool> preconfirming, Action preconfirm)
    {
        ArgumentNullException.ThrowIfNull(pool);
        _waiting = waiting ?? throw new ArgumentNullException(nameof(waiting));
        _preconfirming = preconfirming ?? throw new ArgumentNullException(nameof(preconfirming));
        _preconfirm = preconfirm ?? throw new ArgumentNullException(nameof(preconfirm));
        pool.TransactionPending += OnTransactionPending;
        pool.TransactionDropped += dropped => Complete([dropped.Hash]);
    }

    /// <summary>Guards the waits; the producer changes what <c>waiting</c> and <c>preconfirming</c> read under it.</summary>
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

            var wait = new PendingInclusion(hash, OnSubmitted, Remove);
            if (!_waits.TryGetValue(hash, out List<PendingInclusion>? list))
            {
                _waits[hash] = list = [];
            }

            list.Add(wait);
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
                if (_waits.TryGetValue(hash, out List<PendingInclusion>? list))
                {
                    list.ForEach(w => w.Done.TrySetResult());
                }
            }
        }
    }

    /// <summary>Every sender returns (nothing is mined or preconfirmed on demand any more, or the producer stops).</summary>
    public void CompleteAll()
    {
        lock (Lock)
        {
            foreach (List<PendingInclusion> list in _waits.Values)
            {
                list.ForEach(w => w.Done.TrySetResult());
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
            foreach (List<PendingInclusion> list in _waits.Values)
            {
                list.Where(w => w.FirstRound <= round).ToList().ForEach(w => w.Done.TrySetResult());
            }
        }
    }

    private void OnTransactionPending(Hash256 hash)
    {
        lock (Lock)
        {
            if (_waits.TryGetValue(hash, out List<PendingInclusion>? list))
            {
                list.ForEach(w => w.BecamePending = true);
            }
        }
    }

    private Task OnSubmitted(PendingInclusion wait)
    {
        bool preconfirm;
        lock (Lock)
        {
            if (!wait.BecamePending)
            {
                wait.Done.TrySetResult(); // queued behind a nonce gap: it cannot be mined yet (anvil returns at once too)
            }

            // A round that starts from now on sees the transaction in the pool: it is included, dropped, or left over.
            wait.FirstRound = _roundsStarted + 1;
            preconfirm = wait.BecamePending && _preconfirming();
        }

        if (preconfirm && !wait.Done.Task.IsCompleted)
        {
            _preconfirm(); // on the sender's thread: the answer follows the execution at once
        }

        return wait.Done.Task;
    }

    private void Remove(PendingInclusion wait)
    {
        lock (Lock)
        {
            if (_waits.TryGetValue(wait.Hash, out List<PendingInclusion>? list) && list.Remove(wait) && list.Count == 0)
            {
                _waits.Remove(wait.Hash);
            }
        }
    }
}
