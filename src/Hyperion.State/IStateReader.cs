using Hyperion.Core;

namespace Hyperion.State;

/// <summary>
/// Read access to one committed state (the state after some block): what the EVM's world state loads from before a
/// transaction changes anything. Implemented by the in-memory state and by MetisDB snapshots. Implementations are
/// safe to read from several threads at once.
/// </summary>
public interface IStateReader
{
    /// <summary>The account at <paramref name="address"/>; false when it does not exist.</summary>
    bool TryGetAccount(in Address address, out Account account);

    /// <summary>The value of a storage slot; zero when unset or when the account does not exist.</summary>
    UInt256 GetStorage(in Address address, in UInt256 key);

    /// <summary>
    /// True when the committed storage of <paramref name="address"/>, whose account has <paramref name="storageRoot"/>,
    /// is non-empty (EIP-7610). A reader that does not know the root (a multi-version view) answers otherwise.
    /// </summary>
    bool HasStorage(in Address address, in Hash256 storageRoot) => storageRoot != Core.Crypto.Keccak256.EmptyTrieRoot;

    /// <summary>Code by its hash; empty for <see cref="Core.Crypto.Keccak256.OfEmpty"/>. Throws when unknown.</summary>
    byte[] GetCode(in Hash256 codeHash);
}
