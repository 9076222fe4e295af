using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.L1Attributes;

namespace Hyperion.Rollup.Node.Engine;

/// <summary>
/// What the derivation reads back from an L2 block: its <see cref="L2BlockRef"/> (L1 origin and sequence number from
/// the block's first transaction, the L1 attributes deposit) and the system config it was built with (batcher and fee
/// scalars from the same deposit, gas limit from the header), as op-node's <c>L2BlockToBlockRef</c> and
/// <c>PayloadToSystemConfig</c>. The L2 genesis block has no deposit: its origin and config are the rollup config's.
/// </summary>
public static class L2Blocks
{
    /// <exception cref="InvalidDataException">A non-genesis block that does not start with a decodable L1 attributes deposit.</exception>
    public static L2BlockRef ToRef(Block block, RollupConfig config)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(config);
        BlockHeader header = block.Header;
        if (header.Number == config.GenesisL2.Number)
        {
            return new L2BlockRef(header.Hash, header.Number, header.ParentHash, header.Timestamp, config.GenesisL1, 0);
        }

        L1BlockInfo info = L1Info(block);
        return new L2BlockRef(header.Hash, header.Number, header.ParentHash, header.Timestamp, new BlockId(info.BlockHash, info.Number), info.SequenceNumber);
    }

    /// <summary>The system config the block after <paramref name="block"/> starts from (before its own origin's updates).</summary>
    public static SystemConfig SystemConfigOf(Block block, RollupConfig config)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(config);
        if (block.Header.Number == config.GenesisL2.Number)
        {
            return config.GenesisSystemConfig;
        }

        L1BlockInfo info = L1Info(block);
        return new SystemConfig
        {
            BatcherAddress = new Address(info.BatcherHash.Bytes[12..]),
            Overhead = Hash256.Zero,
            Scalar = SystemConfig.EncodeEcotoneScalar(info.BaseFeeScalar, info.BlobBaseFeeScalar),
            GasLimit = block.Header.GasLimit,
        };
    }

    private static L1BlockInfo L1Info(Block block)
    {
        if (block.Transactions.Length == 0 || block.Transactions[0].Type != TransactionType.Deposit)
        {
            throw new InvalidDataException($"L2 block {block.Number} does not start with the L1 attributes deposit");
        }

        try
        {
            return L1BlockInfo.Decode(block.Transactions[0].Data.Span);
        }
        catch (RollupDecodeException e)
        {
            throw new InvalidDataException($"L2 block {block.Number}: {e.Message}", e);
        }
    }
}
