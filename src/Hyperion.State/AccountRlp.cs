using Hyperion.Core;
using Hyperion.Core.Rlp;

namespace Hyperion.State;

/// <summary>The state-trie leaf of an account: RLP([nonce, balance, storageRoot, codeHash]) (Yellow Paper §4.1).</summary>
public static class AccountRlp
{
    /// <summary>The longest encoding: 8-byte nonce and 32-byte balance.</summary>
    public const int MaxLength = 2 + 9 + 33 + 33 + 33;

    public static int Length(in Account account) => Rlp.LengthOfList(ContentLength(account));

    /// <summary>Writes the encoding into <paramref name="destination"/>; returns its length.</summary>
    public static int Encode(in Account account, Span<byte> destination)
    {
        Span<byte> balance = stackalloc byte[32];
        int balanceLength = account.Balance.ByteLength;
        account.Balance.WriteBigEndianTrimmed(balance[..balanceLength]);
        var writer = new RlpWriter(destination);
        writer.WriteListHeader(ContentLength(account));
        writer.WriteUInt64(account.Nonce);
        writer.WriteBytes(balance[..balanceLength]);
        writer.WriteHash(account.StorageRoot);
        writer.WriteHash(account.CodeHash);
        return writer.Position;
    }

    public static byte[] Encode(in Account account)
    {
        var encoded = new byte[Length(account)];
        Encode(account, encoded);
        return encoded;
    }

    /// <summary>Decodes a state-trie leaf; throws <see cref="RlpException"/> on malformed input.</summary>
    public static Account Decode(ReadOnlySpan<byte> encoded)
    {
        var reader = new RlpReader(encoded);
        RlpReader fields = reader.EnterList();
        reader.EnsureEnd();
        ulong nonce = fields.ReadUInt64();
        ReadOnlySpan<byte> balanceBytes = fields.ReadIntegerBytes();
        if (balanceBytes.Length > 32)
        {
            throw new RlpException($"account balance of {balanceBytes.Length} bytes does not fit in 256 bits");
        }

        UInt256 balance = UInt256.FromBigEndian(balanceBytes);
        Hash256 storageRoot = fields.ReadHash();
        Hash256 codeHash = fields.ReadHash();
        fields.EnsureEnd();
        return new Account(nonce, balance, storageRoot, codeHash);
    }

    private static int ContentLength(in Account account)
    {
        int balanceLength = account.Balance.ByteLength;
        int balanceEncoded = balanceLength == 1 && account.Balance.U0 < 0x80 ? 1 : 1 + balanceLength;
        return Rlp.LengthOf(account.Nonce) + balanceEncoded + 2 * (1 + Hash256.Size);
    }
}
