using Hyperion.MetisDb.CrashWriter;

// Usage: Hyperion.MetisDb.CrashWriter <store directory>. Prints each committed block number, one a line, until killed.
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: Hyperion.MetisDb.CrashWriter <store directory>");
    return 2;
}

MetisCrashWorkload.RunWriter(args[0], ulong.MaxValue - 1, Console.Out);
return 0;
