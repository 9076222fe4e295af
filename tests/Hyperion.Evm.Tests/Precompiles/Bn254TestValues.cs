using System.Numerics;
using Hyperion.Core;
using Hyperion.Evm.Precompiles.Bn254;

namespace Hyperion.Evm.Tests.Precompiles;

/// <summary>The bn254 moduli as BigInteger and the 32-byte hex word encoding the bn254 tests build inputs from.</summary>
internal static class Bn254TestValues
{
    public static readonly BigInteger FieldModulus = Fp.Modulus.ToBigInteger();

    public static readonly BigInteger GroupOrder = G2.Order.ToBigInteger();

    public static string Hex32(BigInteger value) => ((UInt256)value).ToHexString(withPrefix: false).PadLeft(64, '0');
}
