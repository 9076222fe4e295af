using Hyperion.Core;

namespace Hyperion.Rollup.Deposits;

/// <summary>
/// L1→L2 address aliasing (deposits.md "Address Aliasing"): a deposit sent by an L1 contract appears on L2 from
/// <c>l1Address + 0x1111000000000000000000000000000000001111</c> (mod 2^160), so that an L1 contract cannot pose as
/// the L2 contract at the same address.
/// </summary>
public static class AddressAliasing
{
    /// <summary>The alias offset 0x1111000000000000000000000000000000001111.</summary>
    public static readonly Address Offset = Address.Parse("0x1111000000000000000000000000000000001111");

    /// <summary>The L2 alias of an L1 contract address.</summary>
    public static Address ApplyL1ToL2(in Address l1Address) => AddMod160(l1Address, Offset, subtract: false);

    /// <summary>The L1 address whose alias is <paramref name="l2Alias"/>.</summary>
    public static Address UndoL1ToL2(in Address l2Alias) => AddMod160(l2Alias, Offset, subtract: true);

    private static Address AddMod160(in Address a, in Address b, bool subtract)
    {
        ReadOnlySpan<byte> x = a.Bytes;
        ReadOnlySpan<byte> y = b.Bytes;
        Span<byte> result = stackalloc byte[Address.Size];
        int carry = 0;
        for (int i = Address.Size - 1; i >= 0; i--)
        {
            int v = subtract ? x[i] - y[i] - carry : x[i] + y[i] + carry;
            carry = subtract ? (v < 0 ? 1 : 0) : v >> 8;
            result[i] = (byte)v;
        }

        return new Address(result);
    }
}
