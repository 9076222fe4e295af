using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.Deposits;
using Hyperion.Rollup.Derivation;
using Hyperion.Rollup.L1Attributes;

namespace Hyperion.Rollup.Tests;

public class PayloadAttributesTests
{
    private static readonly RollupConfig Config = TestConfig.Default;
    private static readonly Address Portal = Config.DepositContractAddress;

    private static BlockHeader Header(ulong number, ulong time, Hash256 parent) => new()
    {
        ParentHash = parent, Number = number, Timestamp = time, BaseFeePerGas = new UInt256(7_000_000_000),
        WithdrawalsRoot = Hyperion.Core.Crypto.Keccak256.EmptyTrieRoot, ExcessBlobGas = 0, BlobGasUsed = 0, MixHash = new Hash256([.. new byte[31], (byte)number]), ParentBeaconBlockRoot = Hash256.Zero,
    };

    private static Log Deposit(byte marker) =>
        DepositEvent.Encode(Portal, Address.Zero, Address.Zero, UInt256.One, UInt256.Zero, 21_000, false, [marker]);

    [Fact]
    public void Deposits_come_from_successful_receipts_of_the_portal_with_block_wide_log_indices()
    {
        Hash256 block = Hash256.Parse("0x00000000000000000000000000000000000000000000000000000000000000c1");
        Receipt[] receipts =
        [
            new() { Success = true, Logs = [Deposit(1), new Log(Address.Zero, [DepositEvent.Topic], [])] },
            new() { Success = false, Logs = [Deposit(2)] },
            new() { Success = true, Logs = [new Log(Address.Zero, [], []), Deposit(3), new Log(Portal, [DepositEvent.Topic], [1, 2])] },
        ];

        DerivedDeposits derived = PayloadAttributesBuilder.DeriveDeposits(receipts, block, Portal);

        Assert.Equal(2, derived.Deposits.Count);
        Assert.Equal(DepositSource.UserDeposit(block, 0), derived.Deposits[0].SourceHash);
        Assert.Equal(DepositSource.UserDeposit(block, 4), derived.Deposits[1].SourceHash);
        Assert.Equal(new byte[] { 3 }, derived.Deposits[1].Data.ToArray());
        Assert.Single(derived.Errors); // the malformed portal log
    }

    [Fact]
    public void First_block_of_an_epoch_has_the_l1_info_then_deposits_then_batch_transactions()
    {
        BlockHeader origin = Header(101, 1_700_000_010, Hash256.Parse("0x00000000000000000000000000000000000000000000000000000000000000a0"));
        var parent = new L2BlockRef(default, 5, default, 1_700_000_010, new BlockId(origin.ParentHash, 100), 4);
        Transaction deposit = DepositEvent.Decode(Deposit(9), origin.Hash, 0);
        ReadOnlyMemory<byte> userTx = new byte[] { 2, 0xc0 };

        PayloadAttributes attributes = PayloadAttributesBuilder.Build(Config, Config.GenesisSystemConfig, origin, BlobSchedule.Cancun, parent, [deposit], [userTx]);

        Assert.Equal(3, attributes.Transactions.Count);
        L1BlockInfo info = L1BlockInfo.Decode(Transaction.Decode(attributes.Transactions[0]).Data.Span);
        Assert.Equal((101UL, 0UL, origin.Hash, UInt256.One), (info.Number, info.SequenceNumber, info.BlockHash, info.BlobBaseFee));
        Assert.Equal(Config.GenesisSystemConfig.EcotoneScalars(), (info.BaseFeeScalar, info.BlobBaseFeeScalar));
        Assert.Equal(deposit.Envelope.ToArray(), attributes.Transactions[1].ToArray());
        Assert.Equal(userTx.ToArray(), attributes.Transactions[2].ToArray());
        Assert.Equal(1_700_000_012UL, attributes.Timestamp);
        Assert.Equal(origin.MixHash, attributes.PrevRandao);
        Assert.Equal(Predeploys.SequencerFeeVault, attributes.SuggestedFeeRecipient);
        Assert.Equal(Config.GenesisSystemConfig.GasLimit, attributes.GasLimit);
    }

    [Fact]
    public void Later_blocks_of_the_epoch_increment_the_sequence_number_and_carry_no_deposits()
    {
        BlockHeader origin = Header(101, 1_700_000_010, default);
        var parent = new L2BlockRef(default, 6, default, 1_700_000_012, new BlockId(origin.Hash, 101), 0);
        Transaction deposit = DepositEvent.Decode(Deposit(9), origin.Hash, 0);
        PayloadAttributes attributes = PayloadAttributesBuilder.Build(Config, Config.GenesisSystemConfig, origin, BlobSchedule.Cancun, parent, [deposit], []);
        Assert.Single(attributes.Transactions);
        Assert.Equal(1UL, L1BlockInfo.Decode(Transaction.Decode(attributes.Transactions[0]).Data.Span).SequenceNumber);
    }

    [Fact]
    public void Wrong_origin_or_time_is_refused()
    {
        BlockHeader origin = Header(101, 1_700_000_010, default);
        var unrelated = new L2BlockRef(default, 6, default, 1_700_000_012, new BlockId(Hash256.Parse("0x00000000000000000000000000000000000000000000000000000000000000ff"), 100), 0);
        Assert.Throws<InvalidOperationException>(() => PayloadAttributesBuilder.Build(Config, Config.GenesisSystemConfig, origin, BlobSchedule.Cancun, unrelated, [], []));
        var early = new L2BlockRef(default, 6, default, 1_700_000_000, new BlockId(origin.ParentHash, 100), 0);
        Assert.Throws<InvalidOperationException>(() => PayloadAttributesBuilder.Build(Config, Config.GenesisSystemConfig, origin, BlobSchedule.Cancun, early, [], []));
    }

    [Fact]
    public void System_config_updates_from_receipts_apply_in_order_and_skip_bad_ones()
    {
        Address batcher = Address.Parse("0x00000000000000000000000000000000000000b2");
        Receipt[] receipts =
        [
            new() { Success = true, Logs = [SystemConfig.EncodeUpdate(Config.L1SystemConfigAddress, SystemConfig.UpdateBatcher, DepositEvent.AddressTopic(batcher).Bytes)] },
            new() { Success = true, Logs = [SystemConfig.EncodeUpdate(Config.L1SystemConfigAddress, 42, new byte[32])] },
            new() { Success = false, Logs = [SystemConfig.EncodeUpdate(Config.L1SystemConfigAddress, SystemConfig.UpdateBatcher, new byte[32])] },
        ];
        (SystemConfig updated, IReadOnlyList<string> skipped) = PayloadAttributesBuilder.ApplySystemConfigUpdates(Config.GenesisSystemConfig, receipts, Config, 0);
        Assert.Equal(batcher, updated.BatcherAddress);
        Assert.Single(skipped);
    }
}
