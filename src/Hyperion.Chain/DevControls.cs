namespace Hyperion.Chain;

/// <summary>
/// The dev controls over a chain, its producer and its clock. A revert rebuilds the state by re-executing the kept
/// blocks from genesis: simple, and the same path as a restart.
/// </summary>
public sealed class DevControls(ChainProvider chain, IBlockProducer producer, ITransactionPool pool, DevClock clock, IStateStore stateStore) : IDevControls
{
    private readonly Dictionary<ulong, ulong> _snapshots = [];
    private ulong _nextSnapshotId = 1;

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

    public ulong Snapshot()
    {
        lock (chain.WriteLock)
        {
            ulong id = _nextSnapshotId++;
            _snapshots[id] = chain.Store.Head.Number;
            return id;
        }
    }

    public bool Revert(ulong snapshotId)
    {
        lock (chain.WriteLock)
        {
            if (!_snapshots.TryGetValue(snapshotId, out ulong number))
            {
                return false;
            }

            foreach (ulong id in _snapshots.Keys.Where(id => id >= snapshotId).ToArray())
            {
                _snapshots.Remove(id);
            }

            chain.Store.TruncateAfter(number);
            chain.ReplaceStates(stateStore.Recreate(chain.States, chain.GenesisState));
            var importer = new BlockImporter(chain);
            for (ulong i = 1; i <= number; i++)
            {
                importer.Import(chain.Store.GetByNumber(i)!);
            }

            pool.Clear(chain.LatestState, chain.NextBaseFee(chain.Store.Head.Header));
            clock.SetNext(null);
            return true;
        }
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
}
