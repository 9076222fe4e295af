using Hyperion.Core;
using Hyperion.Execution.Blocks;
using Hyperion.State.World;

namespace Hyperion.Chain;

/// <summary>
/// The dev controls over a chain, its producer and its clock. A revert rebuilds the state by re-executing the kept
/// blocks from genesis: simple, and the same path as a restart. State edits go through the block log
/// (<see cref="ChainProvider.Edit"/>), so a restart and a revert replay them like blocks.
/// </summary>
public sealed class DevControls(ChainProvider chain, IBlockProducer producer, ITransactionPool pool, DevClock clock, IStateStore stateStore) : IDevControls
{
    private readonly Dictionary<ulong, (ulong Head, int Edits)> _snapshots = [];
    private readonly HashSet<Address> _impersonated = [];
    private ulong _nextSnapshotId = 1;
    private volatile bool _autoImpersonate;

    public StoredBlock Mine(ulong? timestamp = null)
    {
        lock (chain.WriteLock)
        {
            if (timestamp is not null)
            {
                clock.SetNext(timestamp);
            }

            return producer.Mine();
        }
    }

    public void MineBlocks(ulong count, ulong? intervalSeconds)
    {
        lock (chain.WriteLock)
        {
            ulong head = chain.Store.Head.Header.Timestamp;
            if (intervalSeconds is ulong spacing && count > 1 && (spacing > (ulong.MaxValue - head) / count))
            {
                throw new ArgumentOutOfRangeException(nameof(intervalSeconds), $"{count} blocks {spacing} seconds apart run past the largest timestamp");
            }

            for (ulong i = 0; i < count; i++)
            {
                if (i > 0 && intervalSeconds is ulong interval)
                {
                    clock.SetNext(chain.Store.Head.Header.Timestamp + Math.Max(interval, 1));
                }

                producer.Mine();
            }
        }
    }

    public ulong Snapshot()
    {
        lock (chain.WriteLock)
        {
            ulong id = _nextSnapshotId++;
            _snapshots[id] = (chain.Store.Head.Number, chain.Store.PendingEdits.Count);
            return id;
        }
    }

    public bool Revert(ulong snapshotId)
    {
        lock (chain.WriteLock)
        {
            if (!_snapshots.TryGetValue(snapshotId, out (ulong Head, int Edits) snapshot))
            {
                return false;
            }

            foreach (ulong id in _snapshots.Keys.Where(id => id >= snapshotId).ToArray())
            {
                _snapshots.Remove(id);
            }

            Rewind(snapshot.Head, snapshot.Edits);
            return true;
        }
    }

    public void Reset()
    {
        lock (chain.WriteLock)
        {
            _snapshots.Clear();
            Rewind(0, 0);
        }
    }

    public StateChangeSet DumpState()
    {
        lock (chain.WriteLock)
        {
            // The stores are keyed by hashed addresses and slots, so the accounts' addresses come from re-executing the
            // chain from genesis into a state kept by address (the same path a restart takes).
            InMemoryStateReader state = chain.GenesisState();
            StoredBlock head = chain.Store.Head;
            for (ulong number = 1; number <= head.Number; number++)
            {
                StoredBlock stored = chain.Store.GetByNumber(number)!;
                EditedState edits = EditedState.Of(number - 1, chain.Store.EditsBefore(number), state);
                BlockExecution execution = chain.Executor.Execute(BlockInput.Of(stored.Block, stored.Senders, chain.Store), edits.Over(state), BlockExecutionMode.Import);
                state.Apply(edits.Merge(execution.Changes));
            }

            if (state.ComputeStateRoot() != head.Header.StateRoot)
            {
                throw new InvalidOperationException($"the chain does not re-execute to block {head.Number}'s state root");
            }

            EditedState pending = EditedState.Of(head.Number, chain.Store.PendingEdits, state);
            state.Apply(pending.Merge(new StateChangeSet([], [])));
            return state.ToChangeSet();
        }
    }

    /// <summary>Truncates the chain after block <paramref name="number"/> and its first <paramref name="edits"/> later state edits, and rebuilds the state by re-executing it from genesis (the caller holds the write lock).</summary>
    private void Rewind(ulong number, int edits)
    {
        chain.Store.TruncateAfter(number, edits);
        chain.ReplaceStates(stateStore.Recreate(chain.States, chain.GenesisState));
        var importer = new BlockImporter(chain);
        for (ulong i = 1; i <= number; i++)
        {
            importer.Import(chain.Store.GetByNumber(i)!);
        }

        chain.ReloadEdits();
        pool.Clear(chain.LatestState, chain.NextBaseFee(chain.Store.Head.Header));
        clock.SetNext(null);
    }

    public long IncreaseTime(long seconds) => clock.IncreaseTime(seconds);

    public void SetNextBlockTimestamp(ulong timestamp)
    {
        lock (chain.WriteLock)
        {
            if (timestamp <= chain.Store.Head.Header.Timestamp)
            {
                throw new ArgumentOutOfRangeException(nameof(timestamp), $"timestamp {timestamp} is not after the head's {chain.Store.Head.Header.Timestamp}");
            }

            clock.SetNext(timestamp);
        }
    }

    public bool Automine => producer.Mode.Automine;

    public void SetAutomine(bool enabled)
    {
        if (enabled)
        {
            producer.Mode = MiningMode.OnDemand;
        }
        else if (producer.Mode.Automine)
        {
            producer.Mode = MiningMode.Manual; // anvil: turning automine off keeps an interval, if one is set
        }
    }

    public void SetIntervalMining(TimeSpan? interval) =>
        producer.Mode = interval is TimeSpan t && t > TimeSpan.Zero ? MiningMode.Every(t) : MiningMode.Manual;

    public void EditState(StateEdit edit)
    {
        if (!producer.AppliesStateEdits)
        {
            // Its blocks would leave the logged edits out of their state root, and a replay would then disagree.
            throw new InvalidOperationException("this chain's block producer does not apply state edits");
        }

        lock (chain.WriteLock)
        {
            chain.Edit(edit);
            // The pool re-reads nonces and balances: an edit can make a queued transaction executable, or a pending one stale.
            pool.OnNewHead(chain.LatestState, chain.NextBaseFee(chain.Store.Head.Header), []);
        }
    }

    public BlockSettings? BlockSettings => producer.Settings;

    public bool DropTransaction(in Hash256 hash) => pool.Remove(hash);

    public void Impersonate(in Address address)
    {
        lock (_impersonated)
        {
            _impersonated.Add(address);
        }
    }

    public void StopImpersonating(in Address address)
    {
        lock (_impersonated)
        {
            _impersonated.Remove(address);
        }
    }

    public bool AutoImpersonate
    {
        get => _autoImpersonate;
        set => _autoImpersonate = value;
    }

    public bool IsImpersonated(in Address address)
    {
        if (_autoImpersonate)
        {
            return true;
        }

        lock (_impersonated)
        {
            return _impersonated.Contains(address);
        }
    }
}
