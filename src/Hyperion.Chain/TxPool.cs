using System.Numerics;
using Hyperion.Core;
using Hyperion.Core.Transactions;
using Hyperion.State;
using Hyperion.State.World;

namespace Hyperion.Chain;

/// <summary>
/// Limits of the transaction pool, after geth's legacy pool: executable (pending) and queued (nonce-gapped)
/// transactions have separate budgets, per sender and for the whole pool, and queued ones expire.
/// </summary>
public sealed record TxPoolOptions
{
    /// <summary>Executable transactions per sender that are never evicted to make room for another sender's surplus (geth: 16).</summary>
    public int AccountSlots { get; init; } = 16;

    /// <summary>Executable transactions in the whole pool (with <see cref="GlobalQueue"/>, the pool's capacity).</summary>
    public int GlobalSlots { get; init; } = 16_384;

    /// <summary>Queued (not yet executable) transactions one sender may have (geth: 64).</summary>
    public int AccountQueue { get; init; } = 64;

    /// <summary>Queued transactions in the whole pool (geth: 1024).</summary>
    public int GlobalQueue { get; init; } = 1_024;

    /// <summary>How long a sender's queued transactions stay without any activity of that sender (geth: 3 h).</summary>
    public TimeSpan Lifetime { get; init; } = TimeSpan.FromHours(3);

    /// <summary>Largest accepted encoded transaction (geth: 128 KiB; a blob transaction's sidecar is not counted).</summary>
    public int MaxTransactionSize { get; init; } = 128 * 1024;

    /// <summary>Minimum fee increase, in percent, for a replacement of the same sender and nonce.</summary>
    public int PriceBumpPercent { get; init; } = 10;

    /// <summary>Whether blob (type 3) transactions are accepted (with their sidecar); a rollup's L2 refuses them, as OP does.</summary>
    public bool AllowBlobTransactions { get; init; } = true;

    /// <summary>
    /// What the chain charges a transaction beyond gas, blob gas and value, from the head state, which the sender's
    /// balance must also cover (an OP rollup's L1 data fee, as op-geth's pool adds its L1 cost); none when null.
    /// </summary>
    public Func<Transaction, IStateReader, UInt256>? AdditionalCost { get; init; }
}

/// <summary>A transaction waiting in the pool, with its recovered sender and arrival order.</summary>
public sealed record PooledTransaction(Transaction Transaction, Address Sender, long Sequence);

/// <summary>A transaction the pool dropped although it was valid when admitted: why, and which.</summary>
public sealed record DroppedTransaction(Hash256 Hash, Address Sender, ulong Nonce, string Reason);

/// <summary>
/// The transaction pool: per sender, transactions ordered by nonce; those that follow the sender's account nonce
/// without a gap are pending (executable), the rest queued. Admission follows geth's rules and error messages
/// (nonce too low, insufficient funds for gas * price + value, intrinsic gas too low, transaction underpriced,
/// already known, replacement transaction underpriced, invalid sender, oversized data, account limit exceeded,
/// txpool is full). When the pool is full a newcomer may evict, in this order, the cheapest queued transaction, the
/// cheapest executable one of a sender above its guaranteed slots, and the cheapest executable one of any sender
/// that pays less; only the highest nonce of a sender is ever evicted, so no executable run gets a gap. Evicted and
/// expired transactions are reported through <see cref="TransactionDropped"/> and counted. Thread-safe.
/// </summary>
public sealed class TxPool : ITransactionPool
{
    private const string EvictedReason = "evicted: the pool is full and a better-paying transaction arrived";
    private const string ExpiredReason = "expired: queued longer than the pool's lifetime without activity of its sender";

    /// <summary>How often queued transactions are checked for expiry (at most; checks ride on pool activity).</summary>
    private static readonly TimeSpan ExpiryCheckInterval = TimeSpan.FromMinutes(1);

    private readonly object _lock = new();
    private readonly Dictionary<Address, SenderTransactions> _bySender = [];
    private readonly Dictionary<Hash256, PooledTransaction> _byHash = [];

    // Eviction candidates: each sender's highest queued transaction, its highest executable one, and the latter again
    // for senders holding more executable transactions than the guaranteed AccountSlots. Cheapest first.
    private readonly SortedSet<PooledTransaction> _queuedTails = new(CheapestFirst.Instance);
    private readonly SortedSet<PooledTransaction> _pendingTails = new(CheapestFirst.Instance);
    private readonly SortedSet<PooledTransaction> _crowdedTails = new(CheapestFirst.Instance);
    private readonly TxPoolOptions _options;
    private readonly TransactionRules _rules;
    private readonly TimeProvider _clock;
    private IStateReader _state;
    private UInt256 _baseFee;
    private ulong _blockGasLimit;
    private long _sequence;
    private int _pendingCount;
    private int _queuedCount;
    private long _evicted;
    private long _expired;
    private DateTimeOffset _nextExpiryCheck;

    /// <param name="clock">Time for the queued lifetime (tests pass a manual clock); the system clock by default.</param>
    public TxPool(TxPoolOptions options, TransactionRules rules, IStateReader headState, UInt256 baseFee, ulong blockGasLimit, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(headState);
        _options = options;
        _rules = rules;
        _state = headState;
        _baseFee = baseFee;
        _blockGasLimit = blockGasLimit;
        _clock = clock ?? TimeProvider.System;
        _nextExpiryCheck = _clock.GetUtcNow() + ExpiryCheckInterval;
    }

    /// <summary>Raised (outside the pool's lock) for each transaction that became pending, by hash.</summary>
    public event Action<Hash256>? TransactionPending;

    /// <summary>Raised (outside the pool's lock) for each admitted transaction the pool evicted or expired.</summary>
    public event Action<DroppedTransaction>? TransactionDropped;

    public int Count
    {
        get { lock (_lock) { return _byHash.Count; } }
    }

    /// <summary>Executable transactions in the pool.</summary>
    public int PendingCount
    {
        get { lock (_lock) { return _pendingCount; } }
    }

    /// <summary>Queued (nonce-gapped) transactions in the pool.</summary>
    public int QueuedCount
    {
        get { lock (_lock) { return _queuedCount; } }
    }

    /// <summary>Transactions evicted for better-paying ones since start.</summary>
    public long EvictedCount => Interlocked.Read(ref _evicted);

    /// <summary>Queued transactions dropped after <see cref="TxPoolOptions.Lifetime"/> since start.</summary>
    public long ExpiredCount => Interlocked.Read(ref _expired);

    /// <summary>
    /// Adds a signed transaction; returns null when accepted, else geth's error message. A blob transaction needs its
    /// <paramref name="sidecar"/> (network form), whose versioned hashes and KZG proofs are verified.
    /// </summary>
    public string? Add(Transaction tx, BlobSidecar? sidecar = null) => Admit(tx, sidecar, impersonatedSender: null);

    /// <summary>
    /// Adds a transaction from an impersonated account (a dev chain's anvil_impersonateAccount): it carries the
    /// <see cref="ImpersonationSignature"/> of <paramref name="sender"/>, which is taken as its sender unchecked. The
    /// caller (the dev chain's RPC) has checked that the account is impersonated.
    /// </summary>
    public string? AddImpersonated(Transaction tx, Address sender)
    {
        ArgumentNullException.ThrowIfNull(tx);
        return ImpersonationSignature.Matches(tx, sender)
            ? Admit(tx, sidecar: null, sender)
            : "invalid sender: the transaction does not carry the impersonation signature of its sender";
    }

    /// <summary>anvil_dropTransaction: removes a pooled transaction (its sender's later ones become queued); false when it is not in the pool.</summary>
    public bool Remove(in Hash256 hash)
    {
        lock (_lock)
        {
            if (!_byHash.TryGetValue(hash, out PooledTransaction? pooled))
            {
                return false;
            }

            Drop(pooled, reason: null, []);
            return true;
        }
    }

    private string? Admit(Transaction tx, BlobSidecar? sidecar, Address? impersonatedSender)
    {
        ArgumentNullException.ThrowIfNull(tx);
        if (tx.Envelope.Length > _options.MaxTransactionSize)
        {
            return $"oversized data: transaction size {tx.Envelope.Length}, limit {_options.MaxTransactionSize}";
        }

        if (tx.Type == TransactionType.Deposit || !_rules.Allows(tx.Type) ||
            (tx.Type == TransactionType.Blob && !_options.AllowBlobTransactions))
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

        Address sender;
        if (impersonatedSender is Address impersonated)
        {
            sender = impersonated;
        }
        else if (!tx.TryRecoverSender(out sender))
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

        if (tx.Type == TransactionType.Blob)
        {
            string? badSidecar = sidecar is null ? "missing sidecar in blob transaction" : BlobSidecarVerifier.Verify(tx, sidecar);
            if (badSidecar is not null)
            {
                return badSidecar;
            }
        }
        else if (sidecar is not null)
        {
            return "unexpected blob sidecar on a transaction that is not a blob transaction";
        }

        Announcements announcements = Announcements.Rent();
        string? error;
        lock (_lock)
        {
            DateTimeOffset now = _clock.GetUtcNow();
            ExpireQueuedIfDue(now, announcements.Dropped);
            error = AddLocked(tx, sender, now, announcements.NowPending, announcements.Dropped);
        }

        Announce(announcements);
        return error;
    }

    private string? AddLocked(Transaction tx, Address sender, DateTimeOffset now, List<Hash256> nowPending, List<DroppedTransaction> dropped)
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

        UInt256 additional = _options.AdditionalCost?.Invoke(tx, _state) ?? UInt256.Zero;
        if (!TryCost(tx, out UInt256 cost) || UInt256.AddOverflow(cost, additional, out cost) || account.Balance < cost)
        {
            BigInteger exact = ExactCost(tx) + additional.ToBigInteger();
            BigInteger balance = account.Balance.ToBigInteger();
            string charged = additional.IsZero ? "gas * price + value" : "gas * price + value + l1 cost";
            return $"insufficient funds for {charged}: balance {balance}, tx cost {exact}, overshot {exact - balance}";
        }

        _bySender.TryGetValue(sender, out SenderTransactions? existingSender);
        SenderTransactions senderTxs = existingSender ?? new SenderTransactions(sender, accountNonce);
        var pooled = new PooledTransaction(tx, sender, _sequence);
        if (senderTxs.Transactions.TryGetValue(tx.Nonce, out PooledTransaction? replaced))
        {
            if (!IsSufficientBump(replaced.Transaction, tx))
            {
                return "replacement transaction underpriced";
            }

            Untrack(senderTxs);
            senderTxs.Transactions[tx.Nonce] = pooled;
            _byHash.Remove(replaced.Transaction.Hash);
        }
        else
        {
            bool executable = tx.Nonce == senderTxs.NextExecutableNonce;
            if (!executable && senderTxs.QueuedCount >= _options.AccountQueue)
            {
                return $"account limit exceeded: sender {sender} has {senderTxs.QueuedCount} queued transactions (limit {_options.AccountQueue})";
            }

            bool queueFull = !executable && _queuedCount >= _options.GlobalQueue;
            bool poolFull = _pendingCount + _queuedCount >= _options.GlobalSlots + _options.GlobalQueue;
            if (queueFull || poolFull)
            {
                PooledTransaction? victim = queueFull ? CheaperQueuedVictim(tx, sender) : FindVictim(tx, sender, executable);
                if (victim is null)
                {
                    return queueFull
                        ? $"txpool is full: {_queuedCount} queued transactions and none pays less than this one"
                        : "transaction underpriced: the pool is full and every transaction it could evict pays at least as much";
                }

                Drop(victim, EvictedReason, dropped);
                Interlocked.Increment(ref _evicted);
            }

            // The victim is never this sender's, so senderTxs is still current.
            Untrack(senderTxs);
            senderTxs.Transactions.Add(tx.Nonce, pooled);
            if (executable)
            {
                int firstNew = senderTxs.ExecutableCount;
                senderTxs.ExtendExecutableRun();
                for (int i = firstNew; i < senderTxs.ExecutableCount; i++)
                {
                    nowPending.Add(senderTxs.Transactions.Values[i].Transaction.Hash);
                }
            }
        }

        if (replaced is not null && senderTxs.IsExecutable(tx.Nonce))
        {
            nowPending.Add(tx.Hash);
        }

        _sequence++;
        _byHash[tx.Hash] = pooled;
        senderTxs.Heartbeat = now;
        Track(senderTxs);
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
            if (_bySender.TryGetValue(sender, out SenderTransactions? senderTxs))
            {
                return senderTxs.NextExecutableNonce;
            }

            return _state.TryGetAccount(sender, out Account account) ? account.Nonce : 0;
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
            var heads = new PriorityQueue<(SenderTransactions Sender, int Position), (UInt256 Tip, long Sequence)>(
                Comparer<(UInt256 Tip, long Sequence)>.Create(static (a, b) => a.Tip != b.Tip ? b.Tip.CompareTo(a.Tip) : a.Sequence.CompareTo(b.Sequence)));
            foreach (SenderTransactions senderTxs in _bySender.Values)
            {
                if (senderTxs.ExecutableCount > 0 && senderTxs.Transactions.Values[0].Transaction.FeeCap >= baseFee)
                {
                    PooledTransaction head = senderTxs.Transactions.Values[0];
                    heads.Enqueue((senderTxs, 0), (Tip(head.Transaction, baseFee), head.Sequence));
                }
            }

            var selected = new List<(Transaction, Address)>();
            while (selected.Count < maxCount && heads.TryDequeue(out var entry, out _))
            {
                PooledTransaction chosen = entry.Sender.Transactions.Values[entry.Position];
                selected.Add((chosen.Transaction, chosen.Sender));
                int next = entry.Position + 1;
                if (next < entry.Sender.ExecutableCount && entry.Sender.Transactions.Values[next].Transaction.FeeCap >= baseFee)
                {
                    PooledTransaction following = entry.Sender.Transactions.Values[next];
                    heads.Enqueue((entry.Sender, next), (Tip(following.Transaction, baseFee), following.Sequence));
                }
            }

            return selected;
        }
    }

    /// <summary>
    /// After a block: switches to the new head state and fee, drops included and now-stale transactions and those the
    /// block builder found permanently invalid, promotes queued transactions that became executable and expires old
    /// queued ones. Every sender's nonce is read again (after a state edit or a block whose changes are not known).
    /// </summary>
    public void OnNewHead(IStateReader headState, in UInt256 baseFee, IEnumerable<Hash256> invalid) =>
        MoveToHead(headState, baseFee, invalid, changes: null);

    /// <summary>
    /// After a block whose state changes are <paramref name="changes"/> (the pool's state was current before it):
    /// as <see cref="OnNewHead(IStateReader, in UInt256, IEnumerable{Hash256})"/>, but only the senders among the
    /// changed accounts are read again — a nonce moves only with a change of its account.
    /// </summary>
    public void OnNewHead(IStateReader headState, in UInt256 baseFee, IEnumerable<Hash256> invalid, StateChangeSet changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        MoveToHead(headState, baseFee, invalid, changes);
    }

    private void MoveToHead(IStateReader headState, in UInt256 baseFee, IEnumerable<Hash256> invalid, StateChangeSet? changes)
    {
        ArgumentNullException.ThrowIfNull(headState);
        ArgumentNullException.ThrowIfNull(invalid);
        Announcements announcements = Announcements.Rent();
        List<Hash256> nowPending = announcements.NowPending;
        List<DroppedTransaction> dropped = announcements.Dropped;
        lock (_lock)
        {
            DateTimeOffset now = _clock.GetUtcNow();
            _state = headState;
            _baseFee = baseFee;
            foreach (Hash256 hash in invalid)
            {
                if (_byHash.TryGetValue(hash, out PooledTransaction? pooled))
                {
                    Drop(pooled, reason: null, dropped);
                }
            }

            if (changes is null)
            {
                foreach (SenderTransactions senderTxs in _bySender.Values.ToArray())
                {
                    Rebase(senderTxs, now, nowPending);
                }
            }
            else
            {
                IReadOnlyList<AccountChange> accounts = changes.Accounts;
                for (int i = 0; i < accounts.Count; i++)
                {
                    if (_bySender.TryGetValue(accounts[i].Address, out SenderTransactions? senderTxs))
                    {
                        Rebase(senderTxs, now, nowPending);
                    }
                }
            }

            ExpireQueuedIfDue(now, dropped);
        }

        Announce(announcements);
    }

    /// <summary>Moves a sender to its account nonce at the head: drops what it mined, and announces what became executable.</summary>
    private void Rebase(SenderTransactions senderTxs, DateTimeOffset now, List<Hash256> nowPending)
    {
        ulong nonce = _state.TryGetAccount(senderTxs.Sender, out Account account) ? account.Nonce : 0;
        if (nonce == senderTxs.StateNonce)
        {
            return;
        }

        Untrack(senderTxs);
        int stale = 0;
        while (stale < senderTxs.Transactions.Count && senderTxs.Transactions.Keys[stale] < nonce)
        {
            _byHash.Remove(senderTxs.Transactions.Values[stale].Transaction.Hash);
            stale++;
        }

        senderTxs.RemoveFirst(stale);
        int executableBefore = senderTxs.ExecutableCount;
        senderTxs.Rebase(nonce);
        for (int i = executableBefore; i < senderTxs.ExecutableCount; i++)
        {
            nowPending.Add(senderTxs.Transactions.Values[i].Transaction.Hash);
        }

        senderTxs.Heartbeat = now;
        Track(senderTxs);
    }

    /// <summary>
    /// Whether <see cref="SelectForBlock"/> would give a transaction not in <paramref name="exclude"/> (those of a block
    /// being committed, still pooled until its commit moves the pool on): each sender's executable run up to the first
    /// transaction under the base fee, looked at without sorting or allocating.
    /// </summary>
    public bool HasSelectableBeyond(in UInt256 baseFee, IReadOnlySet<Hash256> exclude)
    {
        ArgumentNullException.ThrowIfNull(exclude);
        lock (_lock)
        {
            foreach (SenderTransactions senderTxs in _bySender.Values)
            {
                IList<PooledTransaction> transactions = senderTxs.Transactions.Values;
                for (int i = 0; i < senderTxs.ExecutableCount && transactions[i].Transaction.FeeCap >= baseFee; i++)
                {
                    if (!exclude.Contains(transactions[i].Transaction.Hash))
                    {
                        return true;
                    }
                }
            }

            return false;
        }
    }

    /// <summary>Empties the pool (evm_revert).</summary>
    public void Clear(IStateReader headState, in UInt256 baseFee)
    {
        lock (_lock)
        {
            _bySender.Clear();
            _byHash.Clear();
            _queuedTails.Clear();
            _pendingTails.Clear();
            _crowdedTails.Clear();
            _pendingCount = 0;
            _queuedCount = 0;
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
            foreach ((Address sender, SenderTransactions senderTxs) in _bySender)
            {
                IList<PooledTransaction> all = senderTxs.Transactions.Values;
                if (senderTxs.ExecutableCount > 0)
                {
                    pending[sender] = [.. all.Take(senderTxs.ExecutableCount)];
                }

                if (senderTxs.QueuedCount > 0)
                {
                    queued[sender] = [.. all.Skip(senderTxs.ExecutableCount)];
                }
            }

            return (pending, queued);
        }
    }

    /// <summary>gas × fee cap + value + blob gas × blob fee cap, or false when it does not fit in 256 bits.</summary>
    private static bool TryCost(Transaction tx, out UInt256 cost)
    {
        bool overflow = UInt256.MultiplyOverflow(new UInt256(tx.GasLimit), tx.FeeCap, out UInt256 gasCost);
        overflow |= UInt256.MultiplyOverflow(new UInt256(tx.BlobGas), tx.MaxFeePerBlobGas, out UInt256 blobCost);
        overflow |= UInt256.AddOverflow(gasCost, tx.Value, out cost);
        overflow |= UInt256.AddOverflow(cost, blobCost, out cost);
        return !overflow;
    }

    /// <summary>The cost without a 256-bit bound, for the error message when it overflows or exceeds the balance.</summary>
    private static BigInteger ExactCost(Transaction tx) =>
        new BigInteger(tx.GasLimit) * tx.FeeCap.ToBigInteger() + tx.Value.ToBigInteger() +
        new BigInteger(tx.BlobGas) * tx.MaxFeePerBlobGas.ToBigInteger();

    private static UInt256 Tip(Transaction tx, in UInt256 baseFee) => tx.EffectiveGasPrice(baseFee) - baseFee;

    private bool IsSufficientBump(Transaction old, Transaction replacement)
    {
        // Both sides stay far below 2^256: fees are at most 2^256-1 only in theory, so compare in BigInteger.
        BigInteger hundred = 100;
        BigInteger factor = 100 + _options.PriceBumpPercent;
        return replacement.FeeCap.ToBigInteger() * hundred >= old.FeeCap.ToBigInteger() * factor &&
               replacement.TipCap.ToBigInteger() * hundred >= old.TipCap.ToBigInteger() * factor;
    }

    /// <summary>
    /// The transaction to evict for <paramref name="incoming"/> in a full pool: the cheapest queued tail (any, for an
    /// executable newcomer; only a cheaper one for a queued newcomer), then the cheapest executable tail of a sender
    /// above its guaranteed slots, then the cheapest executable tail that pays less. Never the newcomer's own sender.
    /// </summary>
    private PooledTransaction? FindVictim(Transaction incoming, Address incomingSender, bool executable)
    {
        PooledTransaction? queued = executable ? Cheapest(_queuedTails, incomingSender, null) : CheaperQueuedVictim(incoming, incomingSender);
        if (queued is not null || !executable)
        {
            return queued;
        }

        return Cheapest(_crowdedTails, incomingSender, null) ?? Cheapest(_pendingTails, incomingSender, incoming);
    }

    private PooledTransaction? CheaperQueuedVictim(Transaction incoming, Address incomingSender) =>
        Cheapest(_queuedTails, incomingSender, incoming);

    /// <summary>The cheapest candidate not sent by <paramref name="exclude"/>, and paying less than <paramref name="than"/> when given.</summary>
    private static PooledTransaction? Cheapest(SortedSet<PooledTransaction> candidates, Address exclude, Transaction? than)
    {
        foreach (PooledTransaction candidate in candidates)
        {
            if (than is not null && CheapestFirst.Compare(candidate.Transaction, than) >= 0)
            {
                return null;
            }

            if (candidate.Sender != exclude)
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Drops queued transactions of senders inactive for longer than the lifetime, at most once a check interval.</summary>
    private void ExpireQueuedIfDue(DateTimeOffset now, List<DroppedTransaction> dropped)
    {
        if (now < _nextExpiryCheck)
        {
            return;
        }

        _nextExpiryCheck = now + ExpiryCheckInterval;
        foreach (SenderTransactions senderTxs in _bySender.Values.ToArray())
        {
            if (senderTxs.QueuedCount == 0 || now - senderTxs.Heartbeat <= _options.Lifetime)
            {
                continue;
            }

            while (senderTxs.QueuedCount > 0)
            {
                Drop(senderTxs.Transactions.Values[^1], ExpiredReason, dropped);
                Interlocked.Increment(ref _expired);
            }
        }
    }

    /// <summary>
    /// Removes a transaction; the executable run of its sender ends before it (eviction and expiry only take a
    /// sender's highest nonce, so they never cut a run). A reason reports it as dropped.
    /// </summary>
    private void Drop(PooledTransaction pooled, string? reason, List<DroppedTransaction> dropped)
    {
        _byHash.Remove(pooled.Transaction.Hash);
        if (_bySender.TryGetValue(pooled.Sender, out SenderTransactions? senderTxs))
        {
            Untrack(senderTxs);
            senderTxs.Remove(pooled.Transaction.Nonce);
            Track(senderTxs);
        }

        if (reason is not null)
        {
            dropped.Add(new DroppedTransaction(pooled.Transaction.Hash, pooled.Sender, pooled.Transaction.Nonce, reason));
        }
    }

    /// <summary>Takes a sender out of the counts and eviction sets before its transactions change.</summary>
    private void Untrack(SenderTransactions senderTxs)
    {
        _pendingCount -= senderTxs.ExecutableCount;
        _queuedCount -= senderTxs.QueuedCount;
        if (senderTxs.ExecutableTail is PooledTransaction pendingTail)
        {
            _pendingTails.Remove(pendingTail);
            _crowdedTails.Remove(pendingTail);
        }

        if (senderTxs.QueuedTail is PooledTransaction queuedTail)
        {
            _queuedTails.Remove(queuedTail);
        }
    }

    /// <summary>Puts a sender back into the counts and eviction sets after its transactions changed (or forgets it when it has none).</summary>
    private void Track(SenderTransactions senderTxs)
    {
        if (senderTxs.Transactions.Count == 0)
        {
            _bySender.Remove(senderTxs.Sender);
            return;
        }

        _bySender[senderTxs.Sender] = senderTxs;
        _pendingCount += senderTxs.ExecutableCount;
        _queuedCount += senderTxs.QueuedCount;
        if (senderTxs.ExecutableTail is PooledTransaction pendingTail)
        {
            _pendingTails.Add(pendingTail);
            if (senderTxs.ExecutableCount > _options.AccountSlots)
            {
                _crowdedTails.Add(pendingTail);
            }
        }

        if (senderTxs.QueuedTail is PooledTransaction queuedTail)
        {
            _queuedTails.Add(queuedTail);
        }
    }

    /// <summary>Raises the events of what a change collected (outside the pool's lock), then returns the lists for reuse.</summary>
    private void Announce(Announcements announcements)
    {
        try
        {
            foreach (DroppedTransaction drop in announcements.Dropped)
            {
                TransactionDropped?.Invoke(drop);
            }

            foreach (Hash256 hash in announcements.NowPending)
            {
                TransactionPending?.Invoke(hash);
            }
        }
        finally
        {
            announcements.Return();
        }
    }

    /// <summary>
    /// What one admission or head change makes executable and drops, announced after the pool's lock is released. One
    /// pair of lists per thread, reused: an admission is the hot path of every send. A handler that admits again from
    /// an announcement (the thread's lists are out then) gets lists of its own.
    /// </summary>
    private sealed class Announcements
    {
        [ThreadStatic]
        private static Announcements? t_free;

        public List<Hash256> NowPending { get; } = [];

        public List<DroppedTransaction> Dropped { get; } = [];

        public static Announcements Rent()
        {
            Announcements? free = t_free;
            t_free = null;
            return free ?? new Announcements();
        }

        /// <summary>Empties the lists (their capacity kept unless a large change grew them) and keeps them for the thread's next change.</summary>
        public void Return()
        {
            const int KeptCapacity = 1024;
            NowPending.Clear();
            Dropped.Clear();
            if (NowPending.Capacity > KeptCapacity || Dropped.Capacity > KeptCapacity)
            {
                return;
            }

            t_free = this;
        }
    }

    /// <summary>
    /// One sender's transactions by nonce. All nonces are at least <see cref="StateNonce"/> (the account's nonce at the
    /// pool's head); the first <see cref="ExecutableCount"/> run from it without a gap, the rest are queued.
    /// </summary>
    private sealed class SenderTransactions
    {
        public SenderTransactions(Address sender, ulong stateNonce)
        {
            Sender = sender;
            StateNonce = stateNonce;
        }

        public SortedList<ulong, PooledTransaction> Transactions { get; } = [];

        public Address Sender { get; }

        public ulong StateNonce { get; private set; }

        public int ExecutableCount { get; private set; }

        public int QueuedCount => Transactions.Count - ExecutableCount;

        /// <summary>Last admission or inclusion for this sender; queued transactions expire a lifetime after it.</summary>
        public DateTimeOffset Heartbeat { get; set; }

        public ulong NextExecutableNonce => StateNonce + (ulong)ExecutableCount;

        public PooledTransaction? ExecutableTail => ExecutableCount > 0 ? Transactions.Values[ExecutableCount - 1] : null;

        public PooledTransaction? QueuedTail => QueuedCount > 0 ? Transactions.Values[^1] : null;

        public bool IsExecutable(ulong nonce) => nonce >= StateNonce && nonce < NextExecutableNonce;

        /// <summary>Counts the queued transactions that now continue the executable run as executable.</summary>
        public void ExtendExecutableRun()
        {
            while (ExecutableCount < Transactions.Count && Transactions.Keys[ExecutableCount] == NextExecutableNonce)
            {
                ExecutableCount++;
            }
        }

        public void Remove(ulong nonce)
        {
            int index = Transactions.IndexOfKey(nonce);
            if (index < 0)
            {
                return;
            }

            Transactions.RemoveAt(index);
            ExecutableCount = Math.Min(ExecutableCount, index);
        }

        public void RemoveFirst(int count)
        {
            if (count == 0)
            {
                return;
            }

            // All of them (a sender whose pooled run was mined whole: the common case) cleared; otherwise rebuilt rather
            // than removed one by one from the front (quadratic for a long run), by index (no enumerator to box).
            int total = Transactions.Count;
            if (count >= total)
            {
                Transactions.Clear();
            }
            else
            {
                var rest = new (ulong Nonce, PooledTransaction Pooled)[total - count];
                for (int i = 0; i < rest.Length; i++)
                {
                    rest[i] = (Transactions.Keys[count + i], Transactions.Values[count + i]);
                }

                Transactions.Clear();
                foreach ((ulong nonce, PooledTransaction pooled) in rest)
                {
                    Transactions.Add(nonce, pooled);
                }
            }

            ExecutableCount = Math.Max(0, ExecutableCount - count);
        }

        /// <summary>Moves to a new account nonce (all lower nonces already removed) and recounts the executable run.</summary>
        public void Rebase(ulong stateNonce)
        {
            StateNonce = stateNonce;
            ExecutableCount = 0;
            ExtendExecutableRun();
        }
    }

    /// <summary>Orders eviction candidates: lower tip cap first, then lower fee cap, then the newest first.</summary>
    private sealed class CheapestFirst : IComparer<PooledTransaction>
    {
        public static readonly CheapestFirst Instance = new();

        public static int Compare(Transaction a, Transaction b)
        {
            int byTip = a.TipCap.CompareTo(b.TipCap);
            return byTip != 0 ? byTip : a.FeeCap.CompareTo(b.FeeCap);
        }

        public int Compare(PooledTransaction? x, PooledTransaction? y)
        {
            if (ReferenceEquals(x, y))
            {
                return 0;
            }

            ArgumentNullException.ThrowIfNull(x);
            ArgumentNullException.ThrowIfNull(y);
            int byPrice = Compare(x.Transaction, y.Transaction);
            return byPrice != 0 ? byPrice : y.Sequence.CompareTo(x.Sequence);
        }
    }
}
