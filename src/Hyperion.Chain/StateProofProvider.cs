using Hyperion.Core;

namespace Hyperion.Chain;

/// <summary>EIP-1186 proofs from the chain's state store, against the state root of the block's header.</summary>
public sealed class StateProofProvider(ChainProvider chain) : IStateProofProvider
{
    public AccountProof? GetProof(ulong number, Address address, IReadOnlyList<UInt256> slots)
    {
        ArgumentNullException.ThrowIfNull(slots);
        StoredBlock? block = chain.Store.GetByNumber(number);
        if (block is null)
        {
            return null;
        }

        AccountProof? proof = null;
        Hash256 root = block.Header.StateRoot;
        return chain.States.TryWalk(number, state => proof = StateProofs.Build(state, root, address, slots)) ? proof : null;
    }
}
