using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Core.Rlp;

namespace Hyperion.Evm;

/// <summary>Addresses of created contracts (Yellow Paper §7, EIP-1014).</summary>
public static class ContractAddress
{
    /// <summary>CREATE and creation transactions: keccak256(rlp([sender, nonce]))[12:].</summary>
    public static Address From(in Address sender, ulong nonce)
    {
        int contentLength = Rlp.LengthOf(sender) + Rlp.LengthOf(nonce);
        Span<byte> buffer = stackalloc byte[Rlp.LengthOfList(contentLength)];
        var writer = new RlpWriter(buffer);
        writer.WriteListHeader(contentLength);
        writer.WriteAddress(sender);
        writer.WriteUInt64(nonce);
        return Address.FromHash(Keccak256.Hash(writer.Written));
    }

    /// <summary>CREATE2: keccak256(0xff ++ sender ++ salt ++ keccak256(initCode))[12:].</summary>
    public static Address FromSalt(in Address sender, in UInt256 salt, ReadOnlySpan<byte> initCode)
    {
        Span<byte> buffer = stackalloc byte[1 + Address.Size + 32 + Hash256.Size];
        buffer[0] = 0xff;
        sender.CopyTo(buffer[1..]);
        salt.WriteBigEndian(buffer.Slice(1 + Address.Size, 32));
        Keccak256.Hash(initCode, buffer[(1 + Address.Size + 32)..]);
        return Address.FromHash(Keccak256.Hash(buffer));
    }
}
