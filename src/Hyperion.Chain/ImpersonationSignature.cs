using Hyperion.Core;
using Hyperion.Core.Transactions;

namespace Hyperion.Chain;

/// <summary>
/// The signature a dev chain puts on a transaction sent from an impersonated account (anvil_impersonateAccount), whose
/// key the node does not hold: r is the sender's address and s is 1. It is not a signature of the sender, only a
/// placeholder that makes the encoding (and so the hash) differ per sender; the sender travels beside the transaction
/// (the pool's entry, the block record) and is never recovered from it.
/// </summary>
public static class ImpersonationSignature
{
    /// <summary><paramref name="tx"/> with the placeholder signature of <paramref name="sender"/>.</summary>
    public static Transaction Apply(Transaction tx, in Address sender)
    {
        ArgumentNullException.ThrowIfNull(tx);
        Span<byte> r = stackalloc byte[32];
        sender.CopyTo(r[12..]);
        return tx.WithSignature(UInt256.FromBigEndian(r), UInt256.One, 0);
    }

    /// <summary>Whether <paramref name="tx"/> has the shape of <paramref name="sender"/>'s placeholder signature.</summary>
    public static bool Matches(Transaction tx, in Address sender)
    {
        ArgumentNullException.ThrowIfNull(tx);
        if (!tx.S.IsOne)
        {
            return false;
        }

        Span<byte> r = stackalloc byte[32];
        sender.CopyTo(r[12..]);
        return tx.R == UInt256.FromBigEndian(r);
    }
}
