using System.Buffers.Binary;
using System.Text;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Rollup.Deposits;

namespace Hyperion.Rollup.Config;

/// <summary>
/// The L1 system configuration the derivation follows (system-config.md): batcher address, fee overhead and scalar,
/// L2 gas limit. It starts from the rollup config's genesis value and changes with <c>ConfigUpdate</c> events of the
/// SystemConfig contract, from the L1 block that emitted them.
/// </summary>
public sealed record SystemConfig
{
    /// <summary>keccak256("ConfigUpdate(uint256,uint8,bytes)").</summary>
    public static readonly Hash256 ConfigUpdateTopic = Keccak256.Hash(Encoding.ASCII.GetBytes("ConfigUpdate(uint256,uint8,bytes)"));

    public const byte UpdateBatcher = 0;
    public const byte UpdateFeeScalars = 1;
    public const byte UpdateGasLimit = 2;
    public const byte UpdateUnsafeBlockSigner = 3;

    public Address BatcherAddress { get; init; }

    /// <summary>Pre-Ecotone fee overhead (zeroed by Ecotone updates).</summary>
    public Hash256 Overhead { get; init; }

    /// <summary>Fee scalar; after Ecotone a versioned encoding of the base fee and blob base fee scalars.</summary>
    public Hash256 Scalar { get; init; }

    public ulong GasLimit { get; init; }

    /// <summary>
    /// The Ecotone scalars in <see cref="Scalar"/> (system-config.md "Post-Ecotone Scalar Encoding"): version 0 holds
    /// only the base fee scalar (MaxUint32 if its padding is not zero), version 1 both.
    /// </summary>
    /// <exception cref="RollupDecodeException">Unknown scalar version.</exception>
    public (uint BaseFeeScalar, uint BlobBaseFeeScalar) EcotoneScalars()
    {
        ReadOnlySpan<byte> s = Scalar.Bytes;
        return s[0] switch
        {
            0 => (s[1..28].ContainsAnyExcept((byte)0) ? uint.MaxValue : BinaryPrimitives.ReadUInt32BigEndian(s[28..]), 0u),
            1 => (BinaryPrimitives.ReadUInt32BigEndian(s[28..]), BinaryPrimitives.ReadUInt32BigEndian(s[24..])),
            byte v => throw new RollupDecodeException($"unknown fee scalar version {v}"),
        };
    }

    /// <summary>The version-1 scalar encoding of the two Ecotone scalars.</summary>
    public static Hash256 EncodeEcotoneScalar(uint baseFeeScalar, uint blobBaseFeeScalar)
    {
        Span<byte> s = stackalloc byte[32];
        s[0] = 1;
        BinaryPrimitives.WriteUInt32BigEndian(s[24..], blobBaseFeeScalar);
        BinaryPrimitives.WriteUInt32BigEndian(s[28..], baseFeeScalar);
        return new Hash256(s);
    }

    /// <summary>
    /// Applies a <c>ConfigUpdate(uint256 indexed version, uint8 indexed updateType, bytes data)</c> log of the
    /// SystemConfig contract, emitted in an L1 block at <paramref name="l1Time"/> (op-node
    /// <c>ProcessSystemConfigUpdateLogEvent</c>). An Ecotone fee update with an invalid scalar is ignored (the config
    /// is returned unchanged); the unsafe block signer is not part of derivation and is ignored too.
    /// </summary>
    /// <exception cref="RollupDecodeException">A malformed event or payload, or an unknown update type: the spec skips it.</exception>
    public SystemConfig Apply(Log log, RollupConfig rollupConfig, ulong l1Time)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(rollupConfig);
        if (log.Topics.Count != 3 || log.Topics[0] != ConfigUpdateTopic)
        {
            throw new RollupDecodeException("log is not a ConfigUpdate event");
        }

        if (!log.Topics[1].IsZero)
        {
            throw new RollupDecodeException("unsupported ConfigUpdate version");
        }

        Hash256 typeTopic = log.Topics[2];
        if (typeTopic.Bytes[..31].ContainsAnyExcept((byte)0))
        {
            throw new RollupDecodeException("unknown ConfigUpdate type");
        }

        ReadOnlySpan<byte> data = log.Data.Span;
        switch (typeTopic.Bytes[31])
        {
            case UpdateBatcher:
                ReadOnlySpan<byte> batcher = Payload(data, 32);
                if (batcher[..12].ContainsAnyExcept((byte)0))
                {
                    throw new RollupDecodeException("ConfigUpdate batcher is not an address");
                }

                return this with { BatcherAddress = new Address(batcher[12..]) };
            case UpdateFeeScalars:
                ReadOnlySpan<byte> fees = Payload(data, 64);
                var overhead = new Hash256(fees[..32]);
                var scalar = new Hash256(fees[32..]);
                if (!rollupConfig.IsEcotone(l1Time))
                {
                    return this with { Overhead = overhead, Scalar = scalar };
                }

                bool validScalar = scalar.Bytes[0] switch
                {
                    0 => !scalar.Bytes[1..28].ContainsAnyExcept((byte)0),
                    1 => !scalar.Bytes[1..24].ContainsAnyExcept((byte)0),
                    _ => false,
                };
                return validScalar ? this with { Overhead = Hash256.Zero, Scalar = scalar } : this;
            case UpdateGasLimit:
                ReadOnlySpan<byte> gas = Payload(data, 32);
                if (gas[..24].ContainsAnyExcept((byte)0))
                {
                    throw new RollupDecodeException("ConfigUpdate gas limit does not fit in 64 bits");
                }

                return this with { GasLimit = BinaryPrimitives.ReadUInt64BigEndian(gas[24..]) };
            case UpdateUnsafeBlockSigner:
                return this;
            default:
                throw new RollupDecodeException($"unknown ConfigUpdate type {typeTopic.Bytes[31]}");
        }
    }

    /// <summary>The ConfigUpdate log the SystemConfig contract emits (used by tests and tools).</summary>
    public static Log EncodeUpdate(in Address systemConfig, byte updateType, ReadOnlySpan<byte> payload)
    {
        byte[] data = new byte[64 + ((payload.Length + 31) / 32 * 32)];
        data[31] = 32;
        BinaryPrimitives.WriteUInt64BigEndian(data.AsSpan(56), (ulong)payload.Length);
        payload.CopyTo(data.AsSpan(64));
        Span<byte> type = stackalloc byte[32];
        type[31] = updateType;
        return new Log(systemConfig, [ConfigUpdateTopic, Hash256.Zero, new Hash256(type)], data);
    }

    // abi.encode(bytes) holding exactly `length` bytes: pointer 32, length, payload, nothing after.
    private static ReadOnlySpan<byte> Payload(ReadOnlySpan<byte> data, int length)
    {
        if (data.Length != 64 + length || !DepositEvent.IsSmallWord(data[..32], out ulong pointer) || pointer != 32
            || !DepositEvent.IsSmallWord(data[32..64], out ulong declared) || declared != (ulong)length)
        {
            throw new RollupDecodeException($"ConfigUpdate data is not a {length}-byte payload");
        }

        return data[64..];
    }
}
