using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;

namespace Hyperion.Rollup.Node.L1;

/// <summary>Signs L1 transactions with the project's own secp256k1 signer (Core), not a library's.</summary>
public static class TransactionSigner
{
    public static Transaction Sign(Transaction unsigned, ReadOnlySpan<byte> privateKey)
    {
        ArgumentNullException.ThrowIfNull(unsigned);
        EcdsaSignature signature = Secp256k1.Sign(unsigned.SigningHash().Bytes, privateKey);
        return unsigned.WithSignature(signature.R, signature.S, signature.RecoveryId);
    }
}
