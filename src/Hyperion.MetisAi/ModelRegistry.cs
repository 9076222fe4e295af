using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Evm.Precompiles;

namespace Hyperion.MetisAi;

/// <summary>A registry entry: the HQM file's length and the gas rate (one gas per <see cref="MacsPerGas"/> multiply-accumulates).</summary>
public readonly record struct RegisteredModel(ulong SizeBytes, uint MacsPerGas);

/// <summary>
/// The on-chain model registry: the system contract contracts/src/ModelRegistry.sol, predeployed in the dev genesis
/// at <see cref="DefaultAddress"/>. The precompile reads its storage directly: the entry of a model hash h is slot
/// keccak256(h ‖ uint256(1)), packed sizeBytes (bits 0–63) | macsPerGas (bits 64–95) | registered (bits 96–103).
/// </summary>
public static class ModelRegistry
{
    /// <summary>0x0000000000000000000000000000000000000a12, beside the precompile at 0x…0a11.</summary>
    public static readonly Address DefaultAddress = Address.Parse("0x0000000000000000000000000000000000000a12");

    /// <summary>Storage slot of <c>address owner</c>.</summary>
    public static readonly UInt256 OwnerSlot = UInt256.Zero;

    /// <summary>Storage slot of <c>mapping(bytes32 =&gt; Model) _models</c>.</summary>
    public const byte ModelsSlot = 1;

    /// <summary>The contract's runtime bytecode (regenerate with scripts/model-registry-code.mjs).</summary>
    public static byte[] RuntimeCode() => Hex.Decode(ModelRegistryCode.RuntimeHex);

    /// <summary>The genesis storage of a registry owned by <paramref name="owner"/>.</summary>
    public static IReadOnlyDictionary<UInt256, UInt256> GenesisStorage(Address owner)
    {
        Span<byte> word = stackalloc byte[32];
        word.Clear();
        owner.CopyTo(word[12..]);
        return new Dictionary<UInt256, UInt256> { [OwnerSlot] = UInt256.FromBigEndian(word) };
    }

    /// <summary>Storage slot of the entry for <paramref name="model"/> (Solidity's mapping layout).</summary>
    public static UInt256 EntrySlot(in Hash256 model)
    {
        Span<byte> preimage = stackalloc byte[64];
        preimage.Clear();
        model.Bytes.CopyTo(preimage);
        preimage[63] = ModelsSlot;
        return UInt256.FromBigEndian(Keccak256.Hash(preimage).Bytes);
    }

    /// <summary>The entry for <paramref name="model"/>, or null when it is not registered.</summary>
    public static RegisteredModel? Lookup(IPrecompileContext state, in Address registry, in Hash256 model)
    {
        ArgumentNullException.ThrowIfNull(state);
        UInt256 packed = state.GetStorage(registry, EntrySlot(model));
        bool registered = ((packed.U1 >> 32) & 0xFF) != 0;
        ulong size = packed.U0;
        uint macsPerGas = (uint)packed.U1;
        // The contract never stores a zero size or rate; treat such a slot (e.g. written by other code) as absent.
        return registered && size != 0 && macsPerGas != 0 ? new RegisteredModel(size, macsPerGas) : null;
    }

    /// <summary>The packed slot value for an entry (what <c>register</c> stores); for tests and genesis files.</summary>
    public static UInt256 Pack(RegisteredModel entry) => new(entry.SizeBytes, entry.MacsPerGas | (1UL << 32));
}
