using Hyperion.Core.Crypto;
using Hyperion.Core.Rlp;
using RlpCodec = Hyperion.Core.Rlp.Rlp;

namespace Hyperion.Core.Transactions;

/// <summary>
/// An EIP-7702 authorization tuple [chain_id, address, nonce, y_parity, r, s]: the authority (recovered from the
/// signature) delegates its code to <see cref="Address"/>. Chain id 0 means "any chain".
/// </summary>
public sealed class Authorization : IEquatable<Authorization>
{
    /// <summary>EIP-7702 MAGIC prefixed to the signed message.</summary>
    public const byte Magic = 0x05;

    public required UInt256 ChainId { get; init; }

    public required Address Address { get; init; }

    public required ulong Nonce { get; init; }

    public required byte YParity { get; init; }

    public required UInt256 R { get; init; }

    public required UInt256 S { get; init; }

    /// <summary>keccak256(MAGIC || rlp([chain_id, address, nonce])), the message the authority signed.</summary>
    public Hash256 SigningHash()
    {
        int content = RlpCodec.LengthOf(ChainId) + RlpCodec.LengthOf(Address) + RlpCodec.LengthOf(Nonce);
        Span<byte> buffer = stackalloc byte[1 + RlpCodec.LengthOfList(content)];
        buffer[0] = Magic;
        var writer = new RlpWriter(buffer[1..]);
        writer.WriteListHeader(content);
        writer.WriteUInt256(ChainId);
        writer.WriteAddress(Address);
        writer.WriteUInt64(Nonce);
        return Keccak256.Hash(buffer);
    }

    /// <summary>
    /// Recovers the authority. False when the signature is invalid (y parity not 0/1, r or s out of range, high s)
    /// or recovery fails; such a tuple is skipped during execution, it does not invalidate the transaction.
    /// </summary>
    public bool TryRecoverAuthority(out Address authority)
    {
        authority = default;
        if (YParity > 1 || !Secp256k1.AreValidSignatureValues(R, S) || !Secp256k1.IsLowS(S))
        {
            return false;
        }

        Hash256 hash = SigningHash();
        return Secp256k1.TryRecoverAddress(hash.Bytes, R, S, YParity, out authority);
    }

    public bool Equals(Authorization? other) =>
        other is not null && ChainId == other.ChainId && Address == other.Address && Nonce == other.Nonce &&
        YParity == other.YParity && R == other.R && S == other.S;

    public override bool Equals(object? obj) => Equals(obj as Authorization);

    public override int GetHashCode() => HashCode.Combine(ChainId, Address, Nonce, YParity, R, S);

    internal int ContentLength =>
        RlpCodec.LengthOf(ChainId) + RlpCodec.LengthOf(Address) + RlpCodec.LengthOf(Nonce) +
        RlpCodec.LengthOf(YParity) + RlpCodec.LengthOf(R) + RlpCodec.LengthOf(S);

    internal static int ListContentLength(Authorization[] list)
    {
        int total = 0;
        foreach (Authorization authorization in list)
        {
            total += RlpCodec.LengthOfList(authorization.ContentLength);
        }

        return total;
    }

    internal static void WriteList(ref RlpWriter writer, Authorization[] list)
    {
        writer.WriteListHeader(ListContentLength(list));
        foreach (Authorization a in list)
        {
            writer.WriteListHeader(a.ContentLength);
            writer.WriteUInt256(a.ChainId);
            writer.WriteAddress(a.Address);
            writer.WriteUInt64(a.Nonce);
            writer.WriteUInt64(a.YParity);
            writer.WriteUInt256(a.R);
            writer.WriteUInt256(a.S);
        }
    }

    internal static Authorization[] ReadList(ref RlpReader reader)
    {
        RlpReader list = reader.EnterList();
        var result = new List<Authorization>();
        while (!list.IsEmpty)
        {
            RlpReader tuple = list.EnterList();
            UInt256 chainId = tuple.ReadUInt256();
            Address address = tuple.ReadAddress();
            ulong nonce = tuple.ReadUInt64();
            int yParityOffset = tuple.Position;
            ulong yParity = tuple.ReadUInt64();
            if (yParity > byte.MaxValue)
            {
                throw new RlpException($"Invalid authorization at offset {yParityOffset}: y_parity {yParity} does not fit in a byte.");
            }

            UInt256 r = tuple.ReadUInt256();
            UInt256 s = tuple.ReadUInt256();
            tuple.EnsureEnd();
            result.Add(new Authorization { ChainId = chainId, Address = address, Nonce = nonce, YParity = (byte)yParity, R = r, S = s });
        }

        return [.. result];
    }
}
