using System.Numerics;
using Hyperion.Core;
using Nethereum.ABI.FunctionEncoding.Attributes;

namespace Hyperion.Rollup.Node.Proposer;

/// <summary>Conversions between Nethereum's ABI values and Core's types.</summary>
public static class Abi
{
    /// <exception cref="FormatException">The value is negative or wider than 256 bits.</exception>
    public static UInt256 ToUInt256(BigInteger value) =>
        value.Sign >= 0 && value.GetBitLength() <= 256 ? (UInt256)value : throw new FormatException($"{value} is not a uint256");

    /// <exception cref="FormatException">The value does not fit 64 bits.</exception>
    public static ulong ToUInt64(BigInteger value) =>
        value.Sign >= 0 && value <= ulong.MaxValue ? (ulong)value : throw new FormatException($"{value} does not fit 64 bits");

    public static Hash256 ToHash(byte[]? value) =>
        value is { Length: 32 } ? new Hash256(value) : throw new FormatException("a bytes32 value is not 32 bytes");

    public static Address ToAddress(string? value) =>
        Address.TryParse(value, out Address address) ? address : throw new FormatException($"'{value}' is not an address");
}

/// <summary>The answer of a getter returning one uint256.</summary>
[FunctionOutput]
public sealed class UIntOutput : IFunctionOutputDTO
{
    [Parameter("uint256", "", 1)]
    public BigInteger Value { get; set; }
}

/// <summary>The answer of a getter returning one bool.</summary>
[FunctionOutput]
public sealed class BoolOutput : IFunctionOutputDTO
{
    [Parameter("bool", "", 1)]
    public bool Value { get; set; }
}

/// <summary>The answer of a getter returning one address.</summary>
[FunctionOutput]
public sealed class AddressOutput : IFunctionOutputDTO
{
    [Parameter("address", "", 1)]
    public string Value { get; set; } = "";
}
