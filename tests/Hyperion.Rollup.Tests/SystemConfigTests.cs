using CsCheck;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;
using Hyperion.Core.Wallet;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.Derivation;

namespace Hyperion.Rollup.Tests;

public class SystemConfigTests
{
    private static readonly RollupConfig Config = TestConfig.Default;
    private static readonly SystemConfig Genesis = Config.GenesisSystemConfig;

    [Fact]
    public void Topic_is_the_event_signature_hash() =>
        Assert.Equal(Hash256.Parse("0x1d2b0bda21d56b8bd12d4f94ebacffdfb35f5e226f84b461103bb8beab6353be"), SystemConfig.ConfigUpdateTopic);

    [Fact]
    public void Batcher_gas_limit_and_scalar_updates_apply()
    {
        Address batcher = Address.Parse("0x00000000000000000000000000000000000000bb");
        SystemConfig updated = Genesis
            .Apply(SystemConfig.EncodeUpdate(Config.L1SystemConfigAddress, SystemConfig.UpdateBatcher, DepositsTopic(batcher)), Config, 0)
            .Apply(SystemConfig.EncodeUpdate(Config.L1SystemConfigAddress, SystemConfig.UpdateGasLimit, Word(60_000_000)), Config, 0)
            .Apply(SystemConfig.EncodeUpdate(Config.L1SystemConfigAddress, SystemConfig.UpdateFeeScalars, [.. Word(188), .. SystemConfig.EncodeEcotoneScalar(1368, 810949).Bytes]), Config, 0);
        Assert.Equal(batcher, updated.BatcherAddress);
        Assert.Equal(60_000_000UL, updated.GasLimit);
        Assert.Equal((1368u, 810949u), updated.EcotoneScalars());
        Assert.Equal(Hash256.Zero, updated.Overhead);
    }

    [Fact]
    public void Invalid_ecotone_scalars_are_ignored_and_version_0_reads_the_base_fee_scalar()
    {
        byte[] bad = new byte[32];
        bad[0] = 2;
        SystemConfig same = Genesis.Apply(SystemConfig.EncodeUpdate(default, SystemConfig.UpdateFeeScalars, [.. Word(1), .. bad]), Config, 0);
        Assert.Equal(Genesis, same);
        Assert.Equal((0x0a6fe0u, 0u), (Genesis with { Scalar = new Hash256(Word(0x0a6fe0)) }).EcotoneScalars());
    }

    [Fact]
    public void Malformed_updates_are_rejected_and_hostile_ones_never_throw_anything_else()
    {
        Assert.Throws<RollupDecodeException>(() => Genesis.Apply(SystemConfig.EncodeUpdate(default, 9, Word(1)), Config, 0));
        Assert.Throws<RollupDecodeException>(() => Genesis.Apply(SystemConfig.EncodeUpdate(default, SystemConfig.UpdateGasLimit, [.. Word(1), 0]), Config, 0));
        Gen.Select(Gen.Byte.Array[0, 200], Gen.Byte[0, 5]).Sample((data, type) =>
        {
            Log log = SystemConfig.EncodeUpdate(default, type, []);
            try
            {
                Genesis.Apply(new Log(default, [.. log.Topics], data), Config, 0);
            }
            catch (RollupDecodeException)
            {
            }
        });
    }

    [Fact]
    public void Batcher_transactions_are_selected_by_inbox_type_and_sender()
    {
        DevAccount batcher = DevAccounts.Derive(DevAccounts.DefaultMnemonic, 2)[0];
        DevAccount stranger = DevAccounts.Derive(DevAccounts.DefaultMnemonic, 2)[1];
        SystemConfig system = Genesis with { BatcherAddress = batcher.Address };
        Transaction ToInbox(DevAccount from, byte[] data, Address? to = null) => Sign(new Transaction
        {
            Type = TransactionType.DynamicFee, ChainId = Config.L1ChainId, GasLimit = 100_000, To = to ?? Config.BatchInboxAddress, Data = data,
        }, from);
        Hash256 blobHash = new([1, .. new byte[31]]);
        Transaction blobTx = Sign(new Transaction
        {
            Type = TransactionType.Blob, ChainId = Config.L1ChainId, GasLimit = 100_000, To = Config.BatchInboxAddress,
            BlobVersionedHashes = [blobHash, blobHash], Data = new byte[] { 9 },
        }, batcher);
        Transaction otherBlob = Sign(new Transaction
        {
            Type = TransactionType.Blob, ChainId = Config.L1ChainId, GasLimit = 100_000, To = Address.Zero, BlobVersionedHashes = [blobHash],
        }, stranger);

        IReadOnlyList<BatcherData> data = L1Retrieval.Select(
            [ToInbox(stranger, [1]), otherBlob, ToInbox(batcher, [2]), ToInbox(batcher, [3], Address.Zero), blobTx], Config, system);

        Assert.Equal(3, data.Count);
        Assert.Equal(new byte[] { 2 }, data[0].Calldata.ToArray());
        Assert.True(data[1].IsBlob);
        Assert.Equal((1, 2), (data[1].BlobIndex, data[2].BlobIndex));
    }

    private static Transaction Sign(Transaction tx, DevAccount account)
    {
        EcdsaSignature signature = Secp256k1.Sign(tx.SigningHash().Bytes, account.PrivateKey.Span);
        return tx.WithSignature(signature.R, signature.S, signature.RecoveryId);
    }

    private static byte[] Word(ulong value)
    {
        byte[] word = new byte[32];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(word.AsSpan(24), value);
        return word;
    }

    private static byte[] DepositsTopic(Address a) => Deposits.DepositEvent.AddressTopic(a).ToArray();
}
