using System.CommandLine;
using System.Globalization;
using Hyperion.MetisDb;

namespace Hyperion.Cli.Commands;

/// <summary><c>hyperion db stats|verify|prune</c>: inspect and maintain a MetisDB state store.</summary>
internal static class DbCommand
{
    public static Command Create()
    {
        var command = new Command("db", "Inspect and maintain the MetisDB state store.");
        command.Subcommands.Add(Stats());
        command.Subcommands.Add(Verify());
        command.Subcommands.Add(Prune());
        command.Subcommands.Add(Repair());
        command.Subcommands.Add(Bench());
        return command;
    }

    private static Option<DirectoryInfo> DataDirOption() => new("--data-dir")
    {
        Description = "Directory of the MetisDB store, or a dev chain's --data-dir (its store is in state/).",
        Required = true,
    };

    private static Command Stats()
    {
        Option<DirectoryInfo> dataDir = DataDirOption();
        var command = new Command("stats", "Blocks, accounts, slots and size on disk.") { dataDir };
        command.SetAction(parse => WithStore(parse.GetValue(dataDir)!, store =>
        {
            MetisStats stats = store.GetStats();
            Console.WriteLine($"head              {(stats.Head is { } head ? head.ToString(CultureInfo.InvariantCulture) : "(empty)")}");
            Console.WriteLine($"oldest readable   {stats.Oldest}");
            Console.WriteLine($"blocks            {(stats.Head is { } h ? h - stats.Oldest + 1 : 0)}");
            if (stats.Head is not null)
            {
                MetisVerifyResult state = store.Verify();
                Console.WriteLine($"accounts          {state.Accounts}");
                Console.WriteLine($"storage slots     {state.Slots}");
                Console.WriteLine($"state root        {state.StoredRoot}");
            }

            Console.WriteLine($"account versions  {stats.AccountVersions}");
            Console.WriteLine($"storage versions  {stats.StorageVersions}");
            Console.WriteLine($"code entries      {stats.CodeEntries}");
            Console.WriteLine($"size on disk      {stats.BytesOnDisk} bytes ({stats.BytesUsed} in use)");
            return 0;
        }));
        return command;
    }

    private static Command Verify()
    {
        Option<DirectoryInfo> dataDir = DataDirOption();
        var command = new Command("verify", "Check every record of a dev chain's block log (chain.log), then recompute the state root and storage roots from the flat state and compare with the stored root.") { dataDir };
        command.SetAction(parse => Math.Max(VerifyBlockLog(parse.GetValue(dataDir)!), WithStore(parse.GetValue(dataDir)!, store =>
        {
            if (store.Head is null)
            {
                Console.Error.WriteLine("hyperion db verify: the store is empty");
                return 1;
            }

            MetisVerifyResult result = store.Verify();
            Console.WriteLine($"head {result.Head}: {result.Accounts} accounts, {result.Slots} slots");
            Console.WriteLine($"stored root   {result.StoredRoot}");
            Console.WriteLine($"computed root {result.ComputedRoot}");
            Console.WriteLine($"storage root mismatches {result.StorageRootMismatches}");
            Console.WriteLine(result.Ok ? "OK" : "MISMATCH");
            return result.Ok ? 0 : 2;
        })));
        return command;
    }

    /// <summary>Checks every record of the data directory's chain.log (framing, checksum); 2 when one is damaged, 0 otherwise (or without a log).</summary>
    private static int VerifyBlockLog(DirectoryInfo directory)
    {
        string log = Path.Combine(directory.FullName, Hyperion.Chain.ChainRecovery.ChainFileName);
        if (!File.Exists(log))
        {
            return 0;
        }

        try
        {
            Hyperion.Chain.BlockLogRepair check = Hyperion.Chain.BlockLog.Check(log);
            if (check.Damage is null)
            {
                Console.WriteLine(check.CutBytes == 0
                    ? $"{log}: intact, {check.KeptRecords} records (blocks 0-{check.KeptRecords - 1}), every checksum matches"
                    : $"{log}: intact, {check.KeptRecords} records; a torn tail of {check.CutBytes} bytes (an append a crash interrupted), cut at the next start");
                return 0;
            }

            long offset = new FileInfo(log).Length - check.CutBytes;
            Console.WriteLine($"{log}: record {check.KeptRecords} (block {check.KeptRecords}, byte offset {offset}) is damaged: {check.Damage}; " +
                $"{check.DroppedRecords} record(s) from there. Restore a backup, or run `hyperion db repair --data-dir {directory.FullName}` " +
                $"(drops block {check.KeptRecords} and every block after it)");
            Console.WriteLine("DAMAGED");
            return 2;
        }
        catch (IOException exception)
        {
            Console.Error.WriteLine($"hyperion db verify: {exception.Message}");
            return 1;
        }
    }

    private static Command Prune()
    {
        Option<DirectoryInfo> dataDir = DataDirOption();
        var keep = new Option<int>("--keep") { Description = "Recent blocks to keep readable (at least 128).", DefaultValueFactory = _ => 128 };
        var command = new Command("prune", "Drop state versions older than the kept window.") { dataDir, keep };
        command.SetAction(parse => WithStore(parse.GetValue(dataDir)!, store =>
        {
            int blocks = parse.GetValue(keep);
            if (blocks < 128)
            {
                Console.Error.WriteLine("hyperion db prune: --keep must be at least 128");
                return 1;
            }

            long before = store.GetStats().BytesUsed;
            MetisPruneResult result = store.Prune(blocks);
            Console.WriteLine($"oldest readable block {result.Oldest}; removed {result.AccountVersionsDeleted} account and {result.StorageVersionsDeleted} storage versions");
            Console.WriteLine($"in use {before} -> {store.GetStats().BytesUsed} bytes (freed pages are reused by later commits)");
            return 0;
        }));
        return command;
    }

    /// <summary>Cuts a damaged block log before its first damaged record: the operator's explicit decision to drop blocks.</summary>
    private static Command Repair()
    {
        var dataDir = new Option<DirectoryInfo>("--data-dir") { Description = "A dev chain's --data-dir (holding chain.log).", Required = true };
        var command = new Command("repair", "Cut a damaged block log (chain.log) before its first damaged record; says how many blocks that drops.") { dataDir };
        command.SetAction(parse =>
        {
            DirectoryInfo directory = parse.GetValue(dataDir)!;
            string log = Path.Combine(directory.FullName, Hyperion.Chain.ChainRecovery.ChainFileName);
            if (!File.Exists(log))
            {
                Console.Error.WriteLine($"hyperion db repair: no block log at {log}");
                return 1;
            }

            try
            {
                using var directoryLock = Hyperion.Chain.DataDirectoryLock.Acquire(directory.FullName);
                Hyperion.Chain.BlockLogRepair result = Hyperion.Chain.BlockLog.Repair(log);
                if (result.Damage is null)
                {
                    Console.WriteLine(result.CutBytes == 0
                        ? $"{log}: intact, {result.KeptRecords} records (blocks 0-{result.KeptRecords - 1}); nothing to repair"
                        : $"{log}: intact; cut a torn tail of {result.CutBytes} bytes (an append a crash interrupted); {result.KeptRecords} records kept");
                    return 0;
                }

                Console.WriteLine($"{log}: record {result.KeptRecords} (block {result.KeptRecords}) was damaged: {result.Damage}");
                string kept = result.KeptRecords == 0 ? "no block is left (the node writes genesis again)" : $"kept blocks 0-{result.KeptRecords - 1}";
                Console.WriteLine($"cut {result.CutBytes} bytes: dropped {result.DroppedRecords} block(s) from block {result.KeptRecords} on; {kept}");
                Console.WriteLine("the state store is ahead of the log now; the node rebuilds it from the log at the next start");
                return 0;
            }
            catch (IOException exception)
            {
                Console.Error.WriteLine($"hyperion db repair: {exception.Message}");
                return 1;
            }
        });
        return command;
    }

    private static Command Bench() => DbBenchmark.CreateCommand("bench");

    private static int WithStore(DirectoryInfo directory, Func<MetisStore, int> action)
    {
        if (!directory.Exists)
        {
            Console.Error.WriteLine($"hyperion db: no such directory: {directory.FullName}");
            return 1;
        }

        // A dev chain's data directory keeps its store in state/ beside the block log.
        string path = directory.FullName;
        string devState = Path.Combine(path, Hyperion.Chain.ChainRecovery.StateDirectoryName);
        if (!File.Exists(Path.Combine(path, "data.mdb")) && File.Exists(Path.Combine(devState, "data.mdb")))
        {
            path = devState;
        }

        try
        {
            using MetisStore store = MetisStore.Open(path);
            return action(store);
        }
        catch (InvalidDataException exception)
        {
            Console.Error.WriteLine($"hyperion db: {exception.Message}");
            return 1;
        }
    }
}
