using System.Collections.Frozen;
using Hyperion.Core;
using Hyperion.Evm.Precompiles.Kzg;

namespace Hyperion.Evm.Precompiles;

/// <summary>
/// The precompiles active at one fork, keyed by address. Precompile addresses are 0x00…01 upwards, so lookup of an
/// ordinary address is a cheap miss. Immutable and shareable across threads.
/// </summary>
public sealed class PrecompileTable
{
    private readonly FrozenDictionary<Address, IPrecompile> _byAddress;

    public PrecompileTable(IEnumerable<KeyValuePair<Address, IPrecompile>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _byAddress = entries.ToFrozenDictionary();
        // Sorted so iteration (e.g. warming every precompile for EIP-2929) never depends on hash order.
        Addresses = [.. _byAddress.Keys.Order()];
    }

    /// <summary>Active precompile addresses in ascending order (all are warm from the start of a transaction).</summary>
    public IReadOnlyList<Address> Addresses { get; }

    public int Count => _byAddress.Count;

    public bool TryGet(in Address address, out IPrecompile precompile) =>
        _byAddress.TryGetValue(address, out precompile!);

    public bool Contains(in Address address) => _byAddress.ContainsKey(address);

    /// <summary>A copy of this table with <paramref name="precompile"/> added at <paramref name="address"/> (e.g. a chain-specific precompile).</summary>
    public PrecompileTable With(in Address address, IPrecompile precompile)
    {
        ArgumentNullException.ThrowIfNull(precompile);
        if (_byAddress.TryGetValue(address, out IPrecompile? existing))
        {
            throw new ArgumentException($"{address} already holds precompile {existing}", nameof(address));
        }

        return new PrecompileTable([.. _byAddress, new KeyValuePair<Address, IPrecompile>(address, precompile)]);
    }

    /// <summary>
    /// A copy of this table with the precompile at <paramref name="address"/> replaced by <paramref name="precompile"/>
    /// (a chain's variant of a standard one, e.g. an OP upgrade's input cap); unchanged when the table has none there.
    /// </summary>
    public PrecompileTable Replacing(in Address address, IPrecompile precompile)
    {
        ArgumentNullException.ThrowIfNull(precompile);
        if (!_byAddress.ContainsKey(address))
        {
            return this;
        }

        Address replaced = address;
        return new PrecompileTable(_byAddress.Select(entry => entry.Key == replaced ? new KeyValuePair<Address, IPrecompile>(replaced, precompile) : entry));
    }

    /// <summary>The address 0x00…0n of the n-th precompile.</summary>
    public static Address AddressOf(byte index)
    {
        Span<byte> bytes = stackalloc byte[Address.Size];
        bytes.Clear();
        bytes[^1] = index;
        return new Address(bytes);
    }

    /// <summary>
    /// The standard precompiles implemented so far for <paramref name="fork"/>. Every fork MetisVM supports
    /// (Berlin and later) has the same address set 0x01–0x09, plus 0x0a (point evaluation) from Cancun.
    /// </summary>
    public static PrecompileTable ForFork(Fork fork)
    {
        if (!Enum.IsDefined(fork))
        {
            throw new ArgumentOutOfRangeException(nameof(fork), fork, "unknown fork");
        }

        return fork >= Fork.Cancun ? Cancun : Standard;
    }

    private static readonly KeyValuePair<Address, IPrecompile>[] StandardEntries =
    [
        Entry(0x01, new StaticPrecompile("ecrecover", EcRecoverPrecompile.RequiredGas, EcRecoverPrecompile.TryRun)),
        Entry(0x02, new StaticPrecompile("sha256", Sha256Precompile.RequiredGas, Sha256Precompile.TryRun)),
        Entry(0x03, new StaticPrecompile("ripemd160", Ripemd160Precompile.RequiredGas, Ripemd160Precompile.TryRun)),
        Entry(0x04, new StaticPrecompile("identity", IdentityPrecompile.RequiredGas, IdentityPrecompile.TryRun)),
        Entry(0x05, new StaticPrecompile("modexp", ModExpPrecompile.RequiredGas, ModExpPrecompile.TryRun)),
        Entry(0x06, new StaticPrecompile("bn254add", Bn254AddPrecompile.RequiredGas, Bn254AddPrecompile.TryRun)),
        Entry(0x07, new StaticPrecompile("bn254mul", Bn254MulPrecompile.RequiredGas, Bn254MulPrecompile.TryRun)),
        Entry(0x08, new StaticPrecompile("bn254pairing", Bn254PairingPrecompile.RequiredGas, Bn254PairingPrecompile.TryRun)),
        Entry(0x09, new StaticPrecompile("blake2f", Blake2fPrecompile.RequiredGas, Blake2fPrecompile.TryRun)),
    ];

    private static readonly PrecompileTable Standard = new(StandardEntries);

    /// <summary>Cancun adds 0x0a point evaluation (EIP-4844).</summary>
    private static readonly PrecompileTable Cancun = new(
    [
        .. StandardEntries,
        Entry(0x0a, new StaticPrecompile("pointevaluation", PointEvaluationPrecompile.RequiredGas, PointEvaluationPrecompile.TryRun)),
    ]);

    private static KeyValuePair<Address, IPrecompile> Entry(byte index, IPrecompile precompile) =>
        new(AddressOf(index), precompile);
}
