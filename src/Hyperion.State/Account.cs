using Hyperion.Core;
using Hyperion.Core.Crypto;

namespace Hyperion.State;

/// <summary>
/// An account as the state trie holds it: nonce, balance, the root of its storage trie and the hash of its code.
/// </summary>
public readonly record struct Account(ulong Nonce, UInt256 Balance, Hash256 StorageRoot, Hash256 CodeHash)
{
    /// <summary>A fresh account: nonce 0, no balance, no storage, no code.</summary>
    public static readonly Account Empty = new(0, UInt256.Zero, Keccak256.EmptyTrieRoot, Keccak256.OfEmpty);

    /// <summary>EIP-161 emptiness: zero nonce, zero balance and no code.</summary>
    public bool IsEmpty => Nonce == 0 && Balance.IsZero && CodeHash == Keccak256.OfEmpty;

    public bool HasCode => CodeHash != Keccak256.OfEmpty;
}
