using System.Buffers.Binary;
using System.Text;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;

namespace Hyperion.Rollup.Deposits;

/// <summary>
/// The portal's <c>TransactionDeposited(address indexed from, address indexed to, uint256 indexed version, bytes opaqueData)</c>
/// event and its version-0 opaque data <c>abi.encodePacked(uint256 mint, uint256 value, uint64 gasLimit, bool isCreation, bytes data)</c>
/// (deposits.md "Deposit Contract"), decoded into a 0x7E deposit transaction with the same checks as op-node.
/// </summary>
public static class DepositEvent
{
    /// <summary>keccak256("TransactionDeposited(address,address,uint256,bytes)").</summary>
    public static readonly Hash256 Topic = Keccak256.Hash(Encoding.ASCII.GetBytes("TransactionDeposited(address,address,uint256,bytes)"));

    /// <summary>Fixed part of version-0 opaque data: mint (32) + value (32) + gas limit (8) + isCreation (1).</summary>
    public const int OpaqueFixedLength = 32 + 32 + 8 + 1;

    /// <summary>
    /// Decodes a TransactionDeposited log of L1 block <paramref name="l1BlockHash"/> at block-wide log index
    /// <paramref name="logIndex"/>. The caller has checked that the log comes from the configured deposit contract.
    /// </summary>
    /// <exception cref="RollupDecodeException">Wrong topic count or selector, unknown version, malformed ABI slice, short opaque data.</exception>
    public static Transaction Decode(Log log, in Hash256 l1BlockHash, ulong logIndex)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (log.Topics.Count != 4)
        {
            throw new RollupDecodeException($"deposit log has {log.Topics.Count} topics, expected 4");
        }

        if (log.Topics[0] != Topic)
        {
            throw new RollupDecodeException("log is not a TransactionDeposited event");
        }

        ReadOnlySpan<byte> data = log.Data.Span;
        if (data.Length < 64 || data.Length % 32 != 0)
        {
            throw new RollupDecodeException($"deposit log data of {data.Length} bytes is not an ABI-encoded bytes value");
        }

        if (!IsSmallWord(data[..32], out ulong offset) || offset != 32)
        {
            throw new RollupDecodeException("deposit log data: the bytes offset is not 32");
        }

        // Minimal padding only: the length must fit in the data, and one more 32-byte word must not.
        ulong available = (ulong)(data.Length - 64);
        if (!IsSmallWord(data[32..64], out ulong length) || length > available || length + 32 <= available)
        {
            throw new RollupDecodeException("deposit log data: invalid opaque data length");
        }

        Address from = new(log.Topics[1].Bytes[12..]);
        Address to = new(log.Topics[2].Bytes[12..]);
        if (!log.Topics[3].IsZero)
        {
            throw new RollupDecodeException($"unsupported deposit version {log.Topics[3]}");
        }

        ReadOnlyMemory<byte> opaque = log.Data.Slice(64, (int)length);
        return DecodeVersion0(opaque, from, to, DepositSource.UserDeposit(l1BlockHash, logIndex));
    }

    private static Transaction DecodeVersion0(ReadOnlyMemory<byte> opaque, in Address from, in Address to, in Hash256 sourceHash)
    {
        ReadOnlySpan<byte> span = opaque.Span;
        if (span.Length < OpaqueFixedLength)
        {
            throw new RollupDecodeException($"deposit opaque data of {span.Length} bytes is shorter than {OpaqueFixedLength}");
        }

        // As in op-node: the creation flag is any non-zero byte.
        bool isCreation = span[72] != 0;
        return new Transaction
        {
            Type = TransactionType.Deposit,
            SourceHash = sourceHash,
            From = from,
            To = isCreation ? null : to,
            Mint = UInt256.FromBigEndian(span[..32]),
            Value = UInt256.FromBigEndian(span[32..64]),
            GasLimit = BinaryPrimitives.ReadUInt64BigEndian(span[64..72]),
            IsSystemTransaction = false,
            Data = opaque[OpaqueFixedLength..],
        };
    }

    /// <summary>Version-0 opaque data, as the portal packs it.</summary>
    public static byte[] EncodeOpaqueData(in UInt256 mint, in UInt256 value, ulong gasLimit, bool isCreation, ReadOnlySpan<byte> data)
    {
        byte[] opaque = new byte[OpaqueFixedLength + data.Length];
        mint.WriteBigEndian(opaque.AsSpan(0, 32));
        value.WriteBigEndian(opaque.AsSpan(32, 32));
        BinaryPrimitives.WriteUInt64BigEndian(opaque.AsSpan(64, 8), gasLimit);
        opaque[72] = isCreation ? (byte)1 : (byte)0;
        data.CopyTo(opaque.AsSpan(OpaqueFixedLength));
        return opaque;
    }

    /// <summary>
    /// The log the portal emits for a deposit (the inverse of <see cref="Decode"/>, used by tests and tools):
    /// topics (selector, from, to, version 0) and data <c>abi.encode(bytes opaqueData)</c>.
    /// </summary>
    public static Log Encode(in Address portal, in Address from, in Address to, in UInt256 mint, in UInt256 value, ulong gasLimit, bool isCreation, ReadOnlySpan<byte> data)
    {
        byte[] opaque = EncodeOpaqueData(mint, value, gasLimit, isCreation, data);
        int padded = (opaque.Length + 31) / 32 * 32;
        byte[] logData = new byte[64 + padded];
        logData[31] = 32;
        BinaryPrimitives.WriteUInt64BigEndian(logData.AsSpan(56, 8), (ulong)opaque.Length);
        opaque.CopyTo(logData.AsSpan(64));
        return new Log(portal, [Topic, AddressTopic(from), AddressTopic(to), Hash256.Zero], logData);
    }

    /// <summary>An address as a 32-byte topic (left-padded with zeros).</summary>
    public static Hash256 AddressTopic(in Address address)
    {
        Span<byte> word = stackalloc byte[32];
        address.CopyTo(word[12..]);
        return new Hash256(word);
    }

    /// <summary>True when the 32-byte big-endian word fits in 63 bits (so it can index a span), with its value.</summary>
    internal static bool IsSmallWord(ReadOnlySpan<byte> word32, out ulong value)
    {
        value = BinaryPrimitives.ReadUInt64BigEndian(word32[24..]);
        return !word32[..24].ContainsAnyExcept((byte)0) && value <= long.MaxValue;
    }
}
