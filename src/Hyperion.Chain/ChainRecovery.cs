using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.IO;
using Hyperion.Execution.Blocks;
using Hyperion.Execution.Specs;

namespace Hyperion.Chain;

/// <summary>
/// What opening a chain found: blocks re-executed because the state store did not have them, why the store was
/// rebuilt, and where the time went: reading (and checking) the block log, opening the state store, and re-executing
/// and indexing the blocks.
/// </summary>
public sealed record RecoveryReport(int ReplayedBlocks, string? StateRebuildReason, TimeSpan ReadLog, TimeSpan OpenState, TimeSpan Replay)
{
    /// <summary>Blocks read from the block log and indexed at open: those after the index's checkpoint, or all on a rebuild.</summary>
    public int IndexedBlocks { get; init; }
}

/// <summary>
/// Opens a chain, or creates it from its genesis: in memory, or from a data directory's block log and state store.
/// In memory the state starts at genesis; with a data directory the state store continues from its head and only the
/// blocks of the log after it are re-executed (checking every root).
/// </summary>
public static class ChainRecovery
{
    /// <summary>The block log in a data directory.</summary>
    public const string ChainFileName = "chain.log";

    /// <summary>Subdirectory of the data directory holding the block log's index (see <see cref="ChainStore"/>).</summary>
    public const string IndexDirectoryName = "chain-index";

    /// <summary>Subdirectory of the data directory holding the MetisDB state store.</summary>
    public const string StateDirectoryName = "state";

    /// <summary>The default state store: MetisDB under the data directory, or in memory without one.</summary>
    public static IStateStore DefaultStateStore(string? dataDirectory) =>
        dataDirectory is null ? new InMemoryStateStore() : new MetisStateStore(Path.Combine(dataDirectory, StateDirectoryName));

    /// <summary>
    /// Opens the chain of <paramref name="genesis"/> (in <paramref name="dataDirectory"/>, or in memory when null),
    /// whose blocks <paramref name="executor"/> executes.
    /// </summary>
    public static ChainProvider Open(
        Genesis genesis, string? dataDirectory, IStateStore stateStore, IBlockExecutor executor, Action<string>? warning, out RecoveryReport report)
    {
        ArgumentNullException.ThrowIfNull(genesis);
        ArgumentNullException.ThrowIfNull(stateStore);
        ArgumentNullException.ThrowIfNull(executor);
        if (!genesis.Spec.IsActive(Hardfork.Paris, 0, genesis.Timestamp))
        {
            throw new ArgumentException("the sequencer builds post-merge blocks: the chain must be merged at genesis (config.terminalTotalDifficulty 0)", nameof(genesis));
        }

        genesis.Spec.EnsureSupportedFrom(1, genesis.Timestamp); // a chain MetisVM cannot run to the end fails here, not in the producer
        Hash256 genesisRoot = genesis.BuildState().ComputeStateRoot();
        Block genesisBlock = new(genesis.BuildHeader(genesisRoot), new BlockBody([], [], []));
        var phase = System.Diagnostics.Stopwatch.StartNew();
        ChainStore store;
        if (dataDirectory is null)
        {
            store = ChainStore.InMemory(genesisBlock);
        }
        else
        {
            Directory.CreateDirectory(dataDirectory);
            CheckChainId(dataDirectory, genesis.ChainId);
            string logPath = Path.Combine(dataDirectory, ChainFileName);
            if (stateStore.HoldsState && !(File.Exists(logPath) && new FileInfo(logPath).Length > 0))
            {
                // The state store is only written after the log, so the log was there: starting would begin a new chain over it.
                throw new InvalidDataException(
                    $"{dataDirectory}: the block log {ChainFileName} is missing (or empty) but the state store {stateStore.Location} holds a chain's state. " +
                    $"The block log is the chain's record and the node will not start a new chain over that state: restore {ChainFileName} from a backup, " +
                    $"or, to start afresh and lose that chain, delete {stateStore.Location} (or use another --data-dir).");
            }

            store = ChainStore.Open(logPath, genesisBlock);
            if (store.TornTailBytes > 0)
            {
                warning?.Invoke($"{logPath}: cut an incomplete last record of {store.TornTailBytes} bytes (an append a crash interrupted, never acknowledged); the chain ends at block {store.Head.Number}");
            }

            if (store.IndexRebuildReason is not null)
            {
                warning?.Invoke($"chain index {Path.Combine(dataDirectory, IndexDirectoryName)}: {store.IndexRebuildReason}; rebuilt it from the block log ({store.IndexedAtOpen} blocks)");
            }
        }

        TimeSpan readLog = phase.Elapsed;
        phase.Restart();

        IChainState states;
        string? rebuildReason;
        try
        {
            states = stateStore.Open(genesis.BuildState, genesisBlock.Header, store, out rebuildReason);
        }
        catch
        {
            store.Dispose();
            throw;
        }

        TimeSpan openState = phase.Elapsed;
        phase.Restart();
        if (rebuildReason is not null)
        {
            warning?.Invoke($"state store {stateStore.Location}: {rebuildReason}; rebuilding it from genesis");
        }

        var chain = new ChainProvider(store, states, executor, genesis.BuildState);
        int replayed = 0;
        try
        {
            var importer = new BlockImporter(chain);
            for (ulong number = states.Head + 1; number <= store.Head.Number; number++)
            {
                importer.Import(store.GetByNumber(number)!);
                replayed++;
            }

            // Edits made after the last block: not in any block's state yet, so they are layered over the head again.
            chain.ReloadEdits();
        }
        catch
        {
            chain.Dispose();
            throw;
        }

        report = new RecoveryReport(replayed, rebuildReason, readLog, openState, phase.Elapsed) { IndexedBlocks = dataDirectory is null ? 0 : store.IndexedAtOpen };
        return chain;
    }

    /// <summary>
    /// The chain id is not part of the genesis block, so it is recorded beside the chain: reopening a data directory
    /// with another chain id would otherwise silently continue the old chain under the new id.
    /// </summary>
    private static void CheckChainId(string directory, ulong chainId)
    {
        string path = Path.Combine(directory, "chain-id");
        string expected = chainId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (File.Exists(path))
        {
            string stored = File.ReadAllText(path).Trim();
            if (stored != expected)
            {
                throw new InvalidDataException($"{directory} holds a chain with chain id {stored}, not {expected}: use another --data-dir");
            }

            return;
        }

        DurableFiles.WriteAtomically(path, stream => stream.Write(System.Text.Encoding.ASCII.GetBytes(expected)));
    }
}
