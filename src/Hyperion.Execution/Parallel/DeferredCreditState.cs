using System.Runtime.InteropServices;
using Hyperion.Core;
using Hyperion.State;
using Hyperion.State.World;

namespace Hyperion.Execution.Parallel;

/// <summary>
/// The world state of one transaction's incarnation in the parallel executor: a journaled <see cref="WorldState"/>
/// over the multi-version memory, except that adding to the balance of an account the transaction has not otherwise
/// touched is kept as a credit instead of a read-modify-write, so the fee every transaction pays the coinbase (or a
/// rollup's fee vault) does not make each one depend on the last. Any other use of such an account first reads it
/// and applies its credits, in order, as AddBalance would have.
/// </summary>
/// <remarks>
/// Credits follow the journal: a snapshot remembers how many there were, and reverting drops the later ones (and
/// undoes the application of credits to an account read after the snapshot, which the next use applies again).
/// One transaction only: the handler ends it with <see cref="FinishTransaction"/>, after which nothing may be used
/// until <see cref="Reset"/> starts the next one (on the inner world state reset too, or — a contiguous chunk — on
/// the one the last transaction finished).
/// <para>With <paramref name="deferOnly"/>, only credits to those accounts are kept (the fee recipients: a contiguous
/// chunk's other accounts live in its own world state across its transactions); every other account goes straight
/// to the inner state.</para>
/// </remarks>
internal sealed class DeferredCreditState(WorldState inner, Address[]? deferOnly = null) : IWorldState
{
    private readonly List<(Address Address, UInt256 Amount)> _credits = [];
    private readonly List<(Address Address, UInt256 Amount)> _pendingSums = [];

    // Accounts read into the inner state, with the inner journal length before their credits were applied.
    private readonly Dictionary<Address, int> _readAt = [];
    private readonly List<(int Inner, int Credits)> _snapshots = [];
    private bool _finished;

    // The account last found in _readAt: a transaction's storage accesses come in runs on one account (a token
    // transfer's SLOADs and SSTOREs), and the dictionary lookup on each was most of this layer's cost.
    private Address _lastRead;
    private bool _hasLastRead;

    public bool Exists(in Address address) => Use(address).Exists(address);

    public bool IsDead(in Address address) => Use(address).IsDead(address);

    public UInt256 GetBalance(in Address address) => Use(address).GetBalance(address);

    public ulong GetNonce(in Address address) => Use(address).GetNonce(address);

    public Hash256 GetCodeHash(in Address address) => Use(address).GetCodeHash(address);

    public byte[] GetCode(in Address address) => Use(address).GetCode(address);

    public void CreateAccount(in Address address) => Use(address).CreateAccount(address);

    public void AddBalance(in Address address, in UInt256 amount)
    {
        if (!Deferred(address))
        {
            Open().AddBalance(address, amount);
            return;
        }

        if (_finished || (_hasLastRead && _lastRead == address) || _readAt.ContainsKey(address))
        {
            Use(address).AddBalance(address, amount);
            return;
        }

        _credits.Add((address, amount));
    }

    public void SubtractBalance(in Address address, in UInt256 amount) => Use(address).SubtractBalance(address, amount);

    public void SetNonce(in Address address, ulong nonce) => Use(address).SetNonce(address, nonce);

    public void SetCode(in Address address, byte[] code) => Use(address).SetCode(address, code);

    public void Touch(in Address address) => Use(address).Touch(address);

    public UInt256 GetStorage(in Address address, in UInt256 key) => Use(address).GetStorage(address, key);

    public UInt256 LoadStorage(in Address address, in UInt256 key, out bool wasCold) => Use(address).LoadStorage(address, key, out wasCold);

    public UInt256 GetOriginalStorage(in Address address, in UInt256 key) => Use(address).GetOriginalStorage(address, key);

    public void SetStorage(in Address address, in UInt256 key, in UInt256 value) => Use(address).SetStorage(address, key, value);

    public bool HasStorage(in Address address) => Use(address).HasStorage(address);

    // Substate only: these neither read nor write the account.
    public UInt256 GetTransientStorage(in Address address, in UInt256 key) => Open().GetTransientStorage(address, key);

    public void SetTransientStorage(in Address address, in UInt256 key, in UInt256 value) => Open().SetTransientStorage(address, key, value);

    public bool WarmAccount(in Address address) => Open().WarmAccount(address);

    public bool WarmStorage(in Address address, in UInt256 key) => Open().WarmStorage(address, key);

    public void AddLog(Log log) => Open().AddLog(log);

    public IReadOnlyList<Log> Logs => inner.Logs;

    public long Refund => inner.Refund;

    public void AddRefund(long amount) => Open().AddRefund(amount);

    public void SubtractRefund(long amount) => Open().SubtractRefund(amount);

    // Deletion at the end of the transaction reads the account: it is read (and credited) now.
    public bool MarkSelfDestructed(in Address address) => Use(address).MarkSelfDestructed(address);

    public bool IsSelfDestructed(in Address address) => Open().IsSelfDestructed(address);

    public bool IsCreatedInTransaction(in Address address) => Open().IsCreatedInTransaction(address);

    public int TakeSnapshot()
    {
        _snapshots.Add((Open().TakeSnapshot(), _credits.Count));
        return _snapshots.Count - 1;
    }

    public void RevertToSnapshot(int snapshot)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(snapshot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(snapshot, _snapshots.Count);
        (int innerSnapshot, int credits) = _snapshots[snapshot];
        Open().RevertToSnapshot(innerSnapshot);
        _snapshots.RemoveRange(snapshot + 1, _snapshots.Count - snapshot - 1);
        _credits.RemoveRange(credits, _credits.Count - credits);

        // An account read after the snapshot had its credits applied after it too: that is undone, so it counts as
        // unread again (its next use applies the credits that remain).
        List<Address>? unread = null;
        foreach ((Address address, int readAt) in _readAt)
        {
            if (readAt >= innerSnapshot)
            {
                (unread ??= []).Add(address);
            }
        }

        foreach (Address address in unread ?? [])
        {
            _readAt.Remove(address);
        }

        _hasLastRead = false;
    }

    public void FinishTransaction(bool deleteTouchedEmpty)
    {
        if (!deleteTouchedEmpty)
        {
            // Credits resolve with EIP-161's deletion of touched empty accounts; without it they are applied now.
            foreach ((Address address, _) in _credits.ToArray())
            {
                Use(address);
            }
        }

        Open().FinishTransaction(deleteTouchedEmpty);
        _finished = true;
    }

    /// <summary>Empties this state for the next transaction on its inner world state (which the caller resets), keeping its collections' capacity.</summary>
    public void Reset()
    {
        _credits.Clear();
        _pendingSums.Clear();
        _readAt.Clear();
        _snapshots.Clear();
        _finished = false;
        _hasLastRead = false;
    }

    /// <summary>The credits to accounts the transaction never read, summed per account, in first-credit order (valid until <see cref="Reset"/>).</summary>
    public IReadOnlyList<(Address Address, UInt256 Amount)> PendingCredits()
    {
        List<(Address Address, UInt256 Amount)> sums = _pendingSums;
        sums.Clear();
        foreach ((Address address, UInt256 amount) in _credits)
        {
            if (_readAt.ContainsKey(address))
            {
                continue;
            }

            // A loop, not FindIndex: its lambda captured the address, a closure and a delegate per credit.
            int index = sums.Count - 1;
            while (index >= 0 && sums[index].Address != address)
            {
                index--;
            }

            if (index < 0)
            {
                sums.Add((address, amount));
            }
            else
            {
                sums[index] = (address, sums[index].Amount + amount);
            }
        }

        return sums;
    }

    /// <summary>Whether credits to <paramref name="address"/> are kept rather than applied (all, without <c>deferOnly</c>).</summary>
    private bool Deferred(in Address address)
    {
        if (deferOnly is null)
        {
            return true;
        }

        foreach (Address deferred in deferOnly)
        {
            if (deferred == address)
            {
                return true;
            }
        }

        return false;
    }

    private WorldState Open() =>
        _finished ? throw new InvalidOperationException("the parallel executor runs one transaction per state: it was finished") : inner;

    /// <summary>The inner state, with <paramref name="address"/> read and its credits applied.</summary>
    private WorldState Use(in Address address)
    {
        WorldState state = Open();
        if (!Deferred(address) || (_hasLastRead && _lastRead == address))
        {
            return state;
        }

        // One lookup for the check and the add.
        ref int readAt = ref CollectionsMarshal.GetValueRefOrAddDefault(_readAt, address, out bool read);
        if (!read)
        {
            readAt = state.TakeSnapshot();
            foreach ((Address credited, UInt256 amount) in _credits)
            {
                if (credited == address)
                {
                    state.AddBalance(credited, amount);
                }
            }
        }

        _lastRead = address;
        _hasLastRead = true;
        return state;
    }
}
