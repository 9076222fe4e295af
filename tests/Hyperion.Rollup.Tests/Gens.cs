using CsCheck;
using Hyperion.Core;
using Hyperion.Core.Transactions;

namespace Hyperion.Rollup.Tests;

/// <summary>CsCheck generators shared by the rollup tests.</summary>
internal static class Gens
{
    public const ulong ChainId = 901;

    public static readonly Gen<Address> Address = Gen.Byte.Array[20].Select(b => new Address(b));

    public static readonly Gen<Hash256> Hash = Gen.Byte.Array[32].Select(b => new Hash256(b));

    public static readonly Gen<UInt256> UInt256Value = Gen.OneOf(
        Gen.ULong.Select(v => new UInt256(v)),
        Gen.Byte.Array[32].Select(b => UInt256.FromBigEndian(b)),
        Gen.Const(UInt256.Zero));

    /// <summary>Signed-looking user transactions of the types a span batch carries (signatures are not checked by the codecs).</summary>
    public static readonly Gen<byte[]> UserTransaction =
        Gen.Select(Gen.Int[0, 3], Gen.ULong, Gen.ULong[21_000, 30_000_000], Gen.Frequency((4, Address.Select(a => (Address?)a)), (1, Gen.Const((Address?)null))), UInt256Value, Gen.Byte.Array[0, 80], Gen.Bool)
            .Select(Gen.Select(UInt256Value, UInt256Value, UInt256Value, UInt256Value), (a, b) => Build(a, b))
            .Select(t => t.Envelope.ToArray());

    private static Transaction Build(
        (int Kind, ulong Nonce, ulong Gas, Address? To, UInt256 Value, byte[] Data, bool Parity) a,
        (UInt256 R, UInt256 S, UInt256 Fee, UInt256 Tip) b)
    {
        TransactionType type = a.Kind switch { 0 or 1 => TransactionType.Legacy, 2 => TransactionType.AccessList, _ => TransactionType.DynamicFee };
        bool isProtected = a.Kind != 0;
        ulong parity = a.Parity ? 1UL : 0UL;
        var access = a.Kind == 2 && a.Data.Length % 2 == 0 ? new[] { new AccessListEntry(new Address(new byte[20]), [Hash256.Zero]) } : [];
        return new Transaction
        {
            Type = type,
            ChainId = type == TransactionType.Legacy && !isProtected ? null : ChainId,
            Nonce = a.Nonce,
            GasPrice = type == TransactionType.DynamicFee ? UInt256.Zero : b.Fee,
            MaxFeePerGas = type == TransactionType.DynamicFee ? b.Fee : UInt256.Zero,
            MaxPriorityFeePerGas = type == TransactionType.DynamicFee ? b.Tip : UInt256.Zero,
            GasLimit = a.Gas,
            To = a.To,
            Value = a.Value,
            Data = a.Data,
            AccessList = access,
            V = type != TransactionType.Legacy ? parity : isProtected ? (ChainId * 2) + 35 + parity : 27 + parity,
            R = b.R,
            S = b.S,
        };
    }
}
