using Hyperion.Core;
using Hyperion.Core.Transactions;
using Hyperion.State;

namespace Hyperion.Chain;

/// <summary>Limits of the transaction pool.</summary>
public sealed record TxPoolOptions
{
    /// <summary>Transactions one sender may have in the pool (pending and queued).</summary>
    public int MaxPerSender { get; init; } = 1024;

    /// <summary>Transactions in the whole pool; beyond it the cheapest are evicted.</summary>
    public int MaxTotal { get; init; } = 32_768;

    /// <summary>Largest accepted encoded transaction (geth: 128 KiB).</summary>
    public int MaxTransactionSize { get; init; } = 128 * 1024;

    /// <summary>Minimum fee increase, in percent, for a replacement of the same sender and nonce.</summary>
    public int PriceBumpPercent { get; init; } = 10;
}

/// <summary>A transaction waiting in the pool, with its recovered sender and arrival order.</summary>
public sealed record PooledTransaction(Transaction Transaction, Address Sender, long Sequence);

/// <summary>
/// The transaction pool: per sender, transactions ordered by nonce; those that follow the sender's account nonce
/// without a gap are pending (executable), the rest queued. Admission follows geth's rules and error messages
/// (nonce too low, insufficient funds for gas * price + value, intrinsic gas too low, transaction underpriced,
/// already known, replacement transaction underpriced, invalid sender, oversized data). Thread-safe.
/// </summary>
public sealed class TxPool : ITransactionPool
{
    private readonly object _lock = new();
    private readonly Dictionary<Address, SortedList<ulong, PooledTransaction>> _bySender = [];
    private readonly Dictionary<Hash256, PooledTransaction> _byHash = [];
    private readonly TxPoolOptions _options;
    private readonly TransactionRules _rules;
    private IStateReader _state;
    private UInt256 _baseFee;
    private ulong _blockGasLimit;
    private long _sequence;

    public TxPool(TxPoolOptions options, TransactionRules rules, IStateReader headState, UInt256 baseFee, ulong blockGasLimit)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(headState);
        _options = options;
        _rules = rules;
        _state = headState;
        _baseFee = baseFee;
        _blockGasLimit = blockGasLimit;
    }

    /// <summary>Raised (outside the pool's lock) for each transaction that became pending, by hash.</summary>
    public event Action<Hash256>? TransactionPending;

    public int Count
    {
        get { lock (_lock) { return _byHash.Count; } }
    }

    /// <summary>Adds a signed transaction; returns null when accepted, else geth's error message.</summary>
    public string? Add(Transaction tx)
    {
        ArgumentNullException.ThrowIfNull(tx);
        if (tx.Envelope.Length > _options.MaxTransactionSize)
        {
            return $"oversized data: transaction size {tx.Envelope.Length}, limit {_options.MaxTransactionSize}";
        }

        if (tx.Type == TransactionType.Deposit)
        {
            return "transaction type not supported";
        }

        if (!_rules.Allows(tx.Type))
        {
            return "transaction type not supported";
        }

        if (tx.ChainId is ulong chainId && chainId != _rules.ChainId)
        {
            return $"invalid chain id for signer: have {chainId} want {_rules.ChainId}";
        }

        if (tx.Type == TransactionType.Legacy && tx.ChainId is null)
        {
            // Pre-EIP-155 transactions replay across chains; geth refuses them over RPC by default too.
            return "only replay-protected (EIP-155) transactions allowed over RPC";
        }

        if (!tx.TryRecoverSender(out Address sender))
        {
            return "invalid sender";
        }

        long intrinsic = IntrinsicGas.Calculate(tx, _rules);
        if ((long)Math.Min(tx.GasLimit, long.MaxValue) < intrinsic)
        {
            return $"intrinsic gas too low: gas {tx.GasLimit}, minimum needed {intrinsic}";
        }

        string? invalid = TransactionValidator.Validate(tx, _rules);
        if (invalid is not null)
        {
            return invalid;
        }

        var nowPending = new List<Hash256>();
        lock (_lock)
        {
            if (_byHash.ContainsKey(tx.Hash))
            {
                return "already known";
            }

            if (tx.GasLimit > _blockGasLimit)
            {
                return "exceeds block gas limit";
            }

            if (tx.FeeCap < _baseFee)
            {
                return $"transaction underpriced: max fee per gas {tx.FeeCap} is below the base fee {_baseFee}";
            }

            ulong accountNonce = _state.TryGetAccount(sender, out Account account) ? account.Nonce : 0;
            if (tx.Nonce < accountNonce)
            {
                return $"nonce too low: next nonce {accountNonce}, tx nonce {tx.Nonce}";
            }

            UInt256 cost = new UInt256(tx.GasLimit) * tx.FeeCap + tx.Value + new UInt256(tx.BlobGas) * tx.MaxFeePerBlobGas;
            if (account.Balance < cost)
            {
                return $"insufficient funds for gas * price + value: balance {account.Balance}, tx cost {cost}, overshot {cost - account.Balance}";
            }

            if (!_bySender.TryGetValue(sender, out SortedList<ulong, PooledTransaction>? queue))
            {
                queue = [];
                _bySender[sender] = queue;
            }

            if (queue.TryGetValue(tx.Nonce, out PooledTransaction? existing))
            {
                if (!IsSufficientBump(existing.Transaction, tx))
                {
                    return "replacement transaction underpriced";
                }

                Remove(existing);
            }
            else if (queue.Count >= _options.MaxPerSender)
            {
                return $"txpool is full: sender {sender} has {queue.Count} transactions";
            }
            else if (_byHash.Count >= _options.MaxTotal && !EvictCheaperThan(tx, sender))
            {
                return "transaction underpriced: the pool is full and every pooled transaction pays at least as much";
            }

            var pooled = new PooledTransaction(tx, sender, _sequence++);
            if (!_bySender.TryGetValue(sender, out queue))
            {
                queue = [];
                _bySender[sender] = queue;
            }

            queue[tx.Nonce] = pooled;
            _byHash[tx.Hash] = pooled;
            if (IsPending(queue, pooled, accountNonce))
            {
                // This transaction and any queued ones it connects to the account nonce become executable.
                for (ulong nonce = tx.Nonce; queue.TryGetValue(nonce, out PooledTransaction? next); nonce++)
                {
                    nowPending.Add(next.Transaction.Hash);
                }
            }
        }

        foreach (Hash256 hash in nowPending)
        {
            TransactionPending?.Invoke(hash);
        }

        return null;
    }

    public bool TryGet(in Hash256 hash, out PooledTransaction pooled)
    {
        lock (_lock)
        {
            return _byHash.TryGetValue(hash, out pooled!);
        }
    }

    /// <summary>The nonce the sender's next transaction should use, counting its pending transactions.</summary>
    public ulong NextNonce(in Address sender)
    {
        lock (_lock)
        {
            ulong nonce = _state.TryGetAccount(sender, out Account account) ? account.Nonce : 0;
            if (_bySender.TryGetValue(sender, out SortedList<ulong, PooledTransaction>? queue))
            {
                while (queue.ContainsKey(nonce))
                {
                    nonce++;
                }
            }

            return nonce;
        }
    }

    /// <summary>
    /// The executable transactions in block order: across senders by effective tip (then arrival), within a sender by
    /// nonce, starting at each sender's account nonce.
    /// </summary>
    public List<(Transaction Transaction, Address Sender)> SelectForBlock(in UInt256 baseFee, int maxCount)
    {
        lock (_lock)
        {
            var heads = new PriorityQueue<(PooledTransaction Tx, int Position, SortedList<ulong, PooledTransaction> Queue), (UInt256 Tip, long Sequence)>(
                Comparer<(UInt256 Tip, long Sequence)>.Create(static (a, b) => a.Tip != b.Tip ? b.Tip.CompareTo(a.Tip) : a.Sequence.CompareTo(b.Sequence)));
            foreach ((Address sender, SortedList<ulong, PooledTransaction> queue) in _bySender)
            {
                ulong nonce = _state.TryGetAccount(sender, out Account account) ? account.Nonce : 0;
                int position = queue.IndexOfKey(nonce);
                if (position >= 0 && queue.Values[position].Transaction.FeeCap >= baseFee)
                {
                    PooledTransaction head = queue.Values[position];
                    heads.Enqueue((head, position, queue), (Tip(head.Transaction, baseFee), head.Sequence));
                }
            }

            var selected = new List<(Transaction, Address)>();
            while (selected.Count < maxCount && heads.TryDequeue(out var entry, out _))
            {
                selected.Add((entry.Tx.Transaction, entry.Tx.Sender));
                int next = entry.Position + 1;
                if (next < entry.Queue.Count && entry.Queue.Keys[next] == entry.Tx.Transaction.Nonce + 1 &&
                    entry.Queue.Values[next].Transaction.FeeCap >= baseFee)
                {
                    PooledTransaction following = entry.Queue.Values[next];
                    heads.Enqueue((following, next, entry.Queue), (Tip(following.Transaction, baseFee), following.Sequence));
                }
            }

            return selected;
        }
    }

    /// <summary>
    /// After a block: switches to the new head state and fee, drops included and now-stale transactions and those the
    /// block builder found permanently invalid.
    /// </summary>
    public void OnNewHead(IStateReader headState, in UInt256 baseFee, IEnumerable<Hash256> invalid)
    {
        ArgumentNullException.ThrowIfNull(headState);
        ArgumentNullException.ThrowIfNull(invalid);
        lock (_lock)
        {
            _state = headState;
            _baseFee = baseFee;
            foreach (Hash256 hash in invalid)
            {
                if (_byHash.TryGetValue(hash, out PooledTransaction? pooled))
                {
                    Remove(pooled);
                }
            }

            foreach (Address sender in _bySender.Keys.ToArray())
            {
                SortedList<ulong, PooledTransaction> queue = _bySender[sender];
                ulong nonce = _state.TryGetAccount(sender, out Account account) ? account.Nonce : 0;
                while (queue.Count > 0 && queue.Keys[0] < nonce)
                {
                    Remove(queue.Values[0]);
                }

                if (queue.Count == 0)
                {
                    _bySender.Remove(sender);
                }
            }
        }
    }

    /// <summary>Empties the pool (evm_revert).</summary>
    public void Clear(IStateReader headState, in UInt256 baseFee)
    {
        lock (_lock)
        {
            _bySender.Clear();
            _byHash.Clear();
            _state = headState;
            _baseFee = baseFee;
        }
    }

    /// <summary>Pending and queued transactions per sender (txpool_content, txpool_status).</summary>
    public (SortedDictionary<Address, List<PooledTransaction>> Pending, SortedDictionary<Address, List<PooledTransaction>> Queued) Content()
    {
        lock (_lock)
        {
            var pending = new SortedDictionary<Address, List<PooledTransaction>>();
            var queued = new SortedDictionary<Address, List<PooledTransaction>>();
            foreach ((Address sender, SortedList<ulong, PooledTransaction> queue) in _bySender)
            {
                ulong expected = _state.TryGetAccount(sender, out Account account) ? account.Nonce : 0;
                foreach (PooledTransaction pooled in queue.Values)
                {
                    bool isPending = pooled.Transaction.Nonce == expected;
                    if (isPending)
                    {
                        expected++;
                    }

                    SortedDictionary<Address, List<PooledTransaction>> target = isPending ? pending : queued;
                    if (!target.TryGetValue(sender, out List<PooledTransaction>? list))
                    {
                        list = [];
                        target[sender] = list;
                    }

                    list.Add(pooled);
                }
            }

            return (pending, queued);
        }
    }

    private static UInt256 Tip(Transaction tx, in UInt256 baseFee) => tx.EffectiveGasPrice(baseFee) - baseFee;

    private bool IsSufficientBump(Transaction old, Transaction replacement)
    {
        UInt256 hundred = 100;
        UInt256 factor = new UInt256((ulong)(100 + _options.PriceBumpPercent));
        return replacement.FeeCap * hundred >= old.FeeCap * factor && replacement.TipCap * hundred >= old.TipCap * factor;
    }

    private static bool IsPending(SortedList<ulong, PooledTransaction> queue, PooledTransaction pooled, ulong accountNonce)
    {
        for (ulong nonce = accountNonce; nonce < pooled.Transaction.Nonce; nonce++)
        {
            if (!queue.ContainsKey(nonce))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Evicts the cheapest transaction of another sender (its highest nonce, so no gap is created) if it pays less.</summary>
    private bool EvictCheaperThan(Transaction incoming, Address incomingSender)
    {
        PooledTransaction? cheapest = null;
        foreach ((Address sender, SortedList<ulong, PooledTransaction> queue) in _bySender)
        {
            if (sender == incomingSender || queue.Count == 0)
            {
                continue;
            }

            PooledTransaction last = queue.Values[^1];
            if (cheapest is null || last.Transaction.TipCap < cheapest.Transaction.TipCap)
            {
                cheapest = last;
            }
        }

        if (cheapest is null || cheapest.Transaction.TipCap >= incoming.TipCap)
        {
            return false;
        }

        Remove(cheapest);
        return true;
    }

    private void Remove(PooledTransaction pooled)
    {
        _byHash.Remove(pooled.Transaction.Hash);
        if (_bySender.TryGetValue(pooled.Sender, out SortedList<ulong, PooledTransaction>? queue))
        {
            queue.Remove(pooled.Transaction.Nonce);
            if (queue.Count == 0)
            {
                _bySender.Remove(pooled.Sender);
            }
        }
    }
}
