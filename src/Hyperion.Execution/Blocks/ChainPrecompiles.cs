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
    private readonly (Address Address, IPrecompile Precompile, bool Replaces)[] _changes;
    private readonly PrecompileTable[] _byFork;

    private ChainPrecompiles((Address Address, IPrecompile Precompile, bool Replaces)[] changes)
    {
        _changes = changes;
        _byFork = [.. Enum.GetValues<Fork>().Select(fork => changes.Aggregate(
            PrecompileTable.ForFork(fork),
            (table, change) => change.Replaces ? table.Replacing(change.Address, change.Precompile) : table.With(change.Address, change.Precompile)))];
    }

    /// <summary>Ethereum's precompiles only.</summary>
    public static ChainPrecompiles Standard { get; } = new([]);

    /// <summary>These precompiles and <paramref name="precompile"/> at <paramref name="address"/>, at every rule set.</summary>
    public ChainPrecompiles With(in Address address, IPrecompile precompile)
    {
        ArgumentNullException.ThrowIfNull(precompile);
        return new ChainPrecompiles([.. _changes, (address, precompile, false)]);
    }

    /// <summary>These precompiles with the standard one at <paramref name="address"/> replaced by <paramref name="precompile"/> wherever a rule set has it.</summary>
    public ChainPrecompiles Replacing(in Address address, IPrecompile precompile)
    {
        ArgumentNullException.ThrowIfNull(precompile);
        return new ChainPrecompiles([.. _changes, (address, precompile, true)]);
    }

    /// <summary>The table of rule set <paramref name="fork"/>.</summary>
    public PrecompileTable For(Fork fork) => _byFork[(int)fork];
}
