using Hyperion.Core;
using Hyperion.Evm;
using Hyperion.Evm.Precompiles;

namespace Hyperion.Execution.Blocks;

/// <summary>
/// A chain's precompiles at each rule set: the fork's standard table plus the chain's own (e.g. the inference
/// precompile). Immutable; the tables are built once per rule set.
/// </summary>
public sealed class ChainPrecompiles
{
    private readonly KeyValuePair<Address, IPrecompile>[] _extra;
    private readonly PrecompileTable[] _byFork;

    private ChainPrecompiles(KeyValuePair<Address, IPrecompile>[] extra)
    {
        _extra = extra;
        _byFork = [.. Enum.GetValues<Fork>().Select(fork => extra.Aggregate(PrecompileTable.ForFork(fork), (table, entry) => table.With(entry.Key, entry.Value)))];
    }

    /// <summary>Ethereum's precompiles only.</summary>
    public static ChainPrecompiles Standard { get; } = new([]);

    /// <summary>These precompiles and <paramref name="precompile"/> at <paramref name="address"/>, at every rule set.</summary>
    public ChainPrecompiles With(in Address address, IPrecompile precompile)
    {
        ArgumentNullException.ThrowIfNull(precompile);
        return new ChainPrecompiles([.. _extra, new KeyValuePair<Address, IPrecompile>(address, precompile)]);
    }

    /// <summary>The table of rule set <paramref name="fork"/>.</summary>
    public PrecompileTable For(Fork fork) => _byFork[(int)fork];
}
