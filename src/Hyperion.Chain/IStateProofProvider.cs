using Hyperion.Core;

namespace Hyperion.Chain;

/// <summary>EIP-1186 Merkle proofs of accounts and storage (eth_getProof).</summary>
public interface IStateProofProvider
{
    /// <summary>
    /// The proof of <paramref name="address"/> and <paramref name="slots"/> against block <paramref name="number"/>'s
    /// state root; null when that state is no longer (or not yet) kept.
    /// </summary>
    AccountProof? GetProof(ulong number, Address address, IReadOnlyList<UInt256> slots);
}
