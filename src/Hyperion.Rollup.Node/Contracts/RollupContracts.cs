using System.Collections.Frozen;
using System.Text.Json;
using Hyperion.Core;

namespace Hyperion.Rollup.Node.Contracts;

/// <summary>Where the runtime code holds one immutable variable (a 32-byte word the constructor would write).</summary>
public readonly record struct ImmutableReference(int Start, int Length);

/// <summary>
/// One compiled rollup contract (contracts/src/rollup) from the checked-in artifacts: its ABI (JSON text), creation
/// bytecode (constructor arguments are appended ABI-encoded), runtime bytecode, and where the runtime code holds
/// each immutable (zeros in <see cref="RuntimeBytecode"/>), so genesis can place code without running its constructor.
/// </summary>
public sealed class RollupContract
{
    internal RollupContract(string name, string abi, byte[] creation, byte[] runtime, FrozenDictionary<string, ImmutableReference[]> immutables)
    {
        Name = name;
        Abi = abi;
        CreationBytecodeArray = creation;
        RuntimeBytecodeArray = runtime;
        Immutables = immutables;
    }

    public string Name { get; }

    /// <summary>The contract's ABI as solc emits it (a JSON array).</summary>
    public string Abi { get; }

    public ReadOnlyMemory<byte> CreationBytecode => CreationBytecodeArray;

    /// <summary>The deployed code with every immutable left as zeros.</summary>
    public ReadOnlyMemory<byte> RuntimeBytecode => RuntimeBytecodeArray;

    /// <summary>Immutable variables by name, each with every place the runtime code reads it.</summary>
    public FrozenDictionary<string, ImmutableReference[]> Immutables { get; }

    private byte[] CreationBytecodeArray { get; }

    private byte[] RuntimeBytecodeArray { get; }

    /// <summary>
    /// The runtime code with each immutable set to a 32-byte word, as the constructor would have left it.
    /// </summary>
    /// <exception cref="ArgumentException">A value is named that the contract lacks, or one of its immutables is missing.</exception>
    public byte[] RuntimeBytecodeWith(IReadOnlyDictionary<string, UInt256> immutableValues)
    {
        ArgumentNullException.ThrowIfNull(immutableValues);
        foreach (string name in immutableValues.Keys)
        {
            if (!Immutables.ContainsKey(name))
            {
                throw new ArgumentException($"{Name} has no immutable {name}", nameof(immutableValues));
            }
        }

        byte[] code = (byte[])RuntimeBytecodeArray.Clone();
        foreach ((string name, ImmutableReference[] references) in Immutables)
        {
            if (!immutableValues.TryGetValue(name, out UInt256 value))
            {
                throw new ArgumentException($"{Name}'s immutable {name} has no value", nameof(immutableValues));
            }

            foreach (ImmutableReference reference in references)
            {
                value.WriteBigEndian(code.AsSpan(reference.Start, reference.Length));
            }
        }

        return code;
    }
}

/// <summary>
/// The rollup's compiled contracts, L1 (OptimismPortal, SystemConfig, L1StandardBridge) and L2 predeploys (L1Block,
/// GasPriceOracle, fee vaults, L2StandardBridge, OptimismMintableERC20Factory, OptimismMintableERC20), read from the
/// embedded rollup-contracts.json that e2e/scripts/rollup-artifacts.mjs writes (an e2e test keeps it current).
/// </summary>
public static class RollupContracts
{
    private const string ResourceName = "Hyperion.Rollup.Node.Contracts.rollup-contracts.json";

    private static readonly Lazy<(string SolcVersion, FrozenDictionary<string, RollupContract> Contracts)> Loaded = new(Load);

    /// <summary>The solc version the artifacts were compiled with.</summary>
    public static string SolcVersion => Loaded.Value.SolcVersion;

    /// <summary>Every contract name, sorted ordinally.</summary>
    public static IReadOnlyList<string> Names => [.. Loaded.Value.Contracts.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The contract named <paramref name="name"/> (its Solidity name, e.g. "L1Block").</summary>
    /// <exception cref="KeyNotFoundException">No such contract in the artifacts.</exception>
    public static RollupContract Get(string name) =>
        Loaded.Value.Contracts.TryGetValue(name, out RollupContract? contract)
            ? contract
            : throw new KeyNotFoundException($"no rollup contract named '{name}' (known: {string.Join(", ", Names)})");

    private static (string, FrozenDictionary<string, RollupContract>) Load()
    {
        using Stream stream = typeof(RollupContracts).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing");
        using JsonDocument document = JsonDocument.Parse(stream);
        JsonElement root = document.RootElement;
        Dictionary<string, RollupContract> contracts = new(StringComparer.Ordinal);
        foreach (JsonProperty entry in root.GetProperty("contracts").EnumerateObject())
        {
            JsonElement c = entry.Value;
            Dictionary<string, ImmutableReference[]> immutables = new(StringComparer.Ordinal);
            if (c.TryGetProperty("immutables", out JsonElement immutableElement))
            {
                foreach (JsonProperty immutable in immutableElement.EnumerateObject())
                {
                    immutables[immutable.Name] = [.. immutable.Value.EnumerateArray()
                        .Select(r => new ImmutableReference(r.GetProperty("start").GetInt32(), r.GetProperty("length").GetInt32()))];
                }
            }

            contracts[entry.Name] = new RollupContract(
                entry.Name,
                c.GetProperty("abi").GetRawText(),
                Hex.Decode(c.GetProperty("bytecode").GetString()!),
                Hex.Decode(c.GetProperty("deployedBytecode").GetString()!),
                immutables.ToFrozenDictionary(StringComparer.Ordinal));
        }

        return (root.GetProperty("solcVersion").GetString()!, contracts.ToFrozenDictionary(StringComparer.Ordinal));
    }
}
