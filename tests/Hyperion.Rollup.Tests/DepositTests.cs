using CsCheck;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.Deposits;

namespace Hyperion.Rollup.Tests;

public class DepositTests
{
    private static readonly Address Portal = Address.Parse("0xbEb5Fc579115071764c7423A4f12eDde41f106Ed");

    [Theory]
    [InlineData("0x0000000000000000000000000000000000000000", "0x1111000000000000000000000000000000001111")]
    [InlineData("0xffffffffffffffffffffffffffffffffffffffff", "0x1111000000000000000000000000000000001110")]
    [InlineData("0xeeeeffffffffffffffffffffffffffffffffeeef", "0x0000000000000000000000000000000000000000")]
    [InlineData("0x7ed8428288323e8583defc90bfdf2dad91cff88e", "0x8fe9428288323e8583defc90bfdf2dad91d0099f")]
    public void Aliasing_adds_the_offset_modulo_2_160(string l1, string l2)
    {
        Assert.Equal(Address.Parse(l2), AddressAliasing.ApplyL1ToL2(Address.Parse(l1)));
        Assert.Equal(Address.Parse(l1), AddressAliasing.UndoL1ToL2(Address.Parse(l2)));
    }

    [Fact]
    public void Aliasing_round_trips() =>
        Gens.Address.Sample(a => AddressAliasing.UndoL1ToL2(AddressAliasing.ApplyL1ToL2(a)) == a);

    // Vectors from the specs (ecotone/derivation.md, fjord/derivation.md) and op-node's deposit_source_test.go.
    [Theory]
    [InlineData("Ecotone: L1 Block Deployment", "0x877a6077205782ea15a6dc8699fa5ebcec5e0f4389f09cb8eda09488231346f8")]
    [InlineData("Ecotone: Gas Price Oracle Deployment", "0xa312b4510adf943510f05fcc8f15f86995a5066bd83ce11384688ae20e6ecf42")]
    [InlineData("Ecotone: beacon block roots contract deployment", "0x69b763c48478b9dc2f65ada09b3d92133ec592ea715ec65ad6e7f3dc519dc00c")]
    [InlineData("Fjord: Gas Price Oracle Deployment", "0x86122c533fdcb89b16d8713174625e44578a89751d96c098ec19ab40a51a8ea3")]
    public void Upgrade_source_hash_matches_spec(string intent, string expected) =>
        Assert.Equal(Hash256.Parse(expected), DepositSource.Upgrade(intent));

    [Fact]
    public void L1_info_source_hash_matches_op_node()
    {
        Hash256 hash = DepositSource.L1InfoDeposit(Hash256.Parse("0xc00e5d67c2755389aded7d8b151cbd5bcdf7ed275ad5e028b664880fc7581c77"), 4);
        Assert.Equal(Hash256.Parse("0x0586c503340591999b8b38bc9834bb16aec7d5bc00eb5587ab139c9ddab81977"), hash);
    }

    [Fact]
    public void User_deposit_source_hash_is_domain_0_over_block_hash_and_log_index()
    {
        Hash256 block = Hash256.Parse("0xc00e5d67c2755389aded7d8b151cbd5bcdf7ed275ad5e028b664880fc7581c77");
        byte[] inner = new byte[64];
        block.CopyTo(inner);
        inner[63] = 7;
        byte[] outer = new byte[64];
        Keccak256.Hash(inner).CopyTo(outer.AsSpan(32));
        Assert.Equal(Keccak256.Hash(outer), DepositSource.UserDeposit(block, 7));
        Assert.NotEqual(DepositSource.UserDeposit(block, 7), DepositSource.L1InfoDeposit(block, 7));
    }

    [Fact]
    public void Event_topic_is_the_signature_hash() =>
        Assert.Equal(Hash256.Parse("0xb3813568d9991fc951961fcb4c784893574240a28925604d09fc577c55bb7c32"), DepositEvent.Topic);

    [Fact]
    public void Deposit_log_decodes_to_a_deposit_transaction()
    {
        Address from = Address.Parse("0x1111111111111111111111111111111111111111");
        Address to = Address.Parse("0x2222222222222222222222222222222222222222");
        byte[] calldata = [0xde, 0xad, 0xbe, 0xef];
        Log log = DepositEvent.Encode(Portal, from, to, new UInt256(1000), new UInt256(400), 100_000, isCreation: false, calldata);
        Hash256 block = Hash256.Parse("0x0100000000000000000000000000000000000000000000000000000000000001");

        Transaction tx = DepositEvent.Decode(log, block, 3);

        Assert.Equal(TransactionType.Deposit, tx.Type);
        Assert.Equal(DepositSource.UserDeposit(block, 3), tx.SourceHash);
        Assert.Equal(from, tx.From);
        Assert.Equal(to, tx.To);
        Assert.Equal(new UInt256(1000), tx.Mint);
        Assert.Equal(new UInt256(400), tx.Value);
        Assert.Equal(100_000UL, tx.GasLimit);
        Assert.False(tx.IsSystemTransaction);
        Assert.Equal(calldata, tx.Data.ToArray());
        Assert.Equal(73 + 4, BitConverterLength(log));
    }

    private static int BitConverterLength(Log log) => (int)UInt256.FromBigEndian(log.Data.Span[32..64]).U0;

    // A TransactionDeposited log of OP mainnet's portal (0x1a0a…1054): a 0.001 ETH deposit with 100,000 gas.
    [Fact]
    public void Mainnet_portal_log_decodes()
    {
        Address sender = Address.Parse("0x9853fda0b5e99eac2968dc59ad37cded61cb1bf5");
        var log = new Log(
            Address.Parse("0x1a0ad011913a150f69f6a19df447a0cfd9551054"),
            [DepositEvent.Topic, DepositEvent.AddressTopic(sender), DepositEvent.AddressTopic(sender), Hash256.Zero],
            Hex.Decode("0x0000000000000000000000000000000000000000000000000000000000000020000000000000000000000000000000000000000000000000000000000000004900000000000000000000000000000000000000000000000000038d7ea4c6800000000000000000000000000000000000000000000000000000038d7ea4c6800000000000000186a0000000000000000000000000000000000000000000000000"));
        Transaction tx = DepositEvent.Decode(log, Hash256.Zero, 0);
        Assert.Equal(sender, tx.From);
        Assert.Equal(sender, tx.To);
        Assert.Equal(new UInt256(1_000_000_000_000_000), tx.Mint);
        Assert.Equal(new UInt256(1_000_000_000_000_000), tx.Value);
        Assert.Equal(100_000UL, tx.GasLimit);
        Assert.True(tx.Data.IsEmpty);
        Log reencoded = DepositEvent.Encode(log.Address, sender, sender, tx.Mint, tx.Value, tx.GasLimit, false, []);
        Assert.Equal(log.Data.ToArray(), reencoded.Data.ToArray());
    }

    [Fact]
    public void Creation_flag_clears_the_recipient()
    {
        Log log = DepositEvent.Encode(Portal, Address.Zero, Address.Zero, UInt256.Zero, UInt256.Zero, 50_000, isCreation: true, [0x60, 0x00]);
        Assert.Null(DepositEvent.Decode(log, Hash256.Zero, 0).To);
    }

    [Fact]
    public void Deposit_event_round_trips() =>
        Gen.Select(Gens.Address, Gens.Address, Gens.UInt256Value, Gens.UInt256Value, Gen.ULong, Gen.Bool, Gen.Byte.Array[0, 200])
            .Sample((from, to, mint, value, gas, create, data) =>
            {
                Transaction tx = DepositEvent.Decode(DepositEvent.Encode(Portal, from, to, mint, value, gas, create, data), Hash256.Zero, 1);
                Transaction again = Transaction.Decode(tx.Envelope.ToArray());
                return again.From == from && again.To == (create ? null : to) && again.Mint == mint && again.Value == value
                    && again.GasLimit == gas && again.Data.Span.SequenceEqual(data);
            });

    [Theory]
    [InlineData(3, 0, 0, 0)]        // topic count
    [InlineData(4, 1, 0, 0)]        // version 1
    [InlineData(4, 0, 1, 0)]        // bad offset
    [InlineData(4, 0, 0, 1)]        // length past the data
    [InlineData(4, 0, 0, 2)]        // excess padding
    [InlineData(4, 0, 0, 3)]        // opaque data too short
    public void Malformed_deposit_logs_are_rejected(int topics, int version, int badOffset, int badLength)
    {
        Log good = DepositEvent.Encode(Portal, Address.Zero, Address.Zero, UInt256.Zero, UInt256.Zero, 1, false, [1, 2, 3]);
        Hash256[] t = [.. good.Topics];
        byte[] data = good.Data.ToArray();
        if (version == 1)
        {
            t[3] = new Hash256([.. new byte[31], 1]);
        }

        if (badOffset == 1)
        {
            data[31] = 0x40;
        }

        if (badLength == 1)
        {
            data[63] = 0xff;
        }
        else if (badLength == 2)
        {
            data = [.. data, .. new byte[32]];
        }
        else if (badLength == 3)
        {
            data = new byte[96];
            data[31] = 32;
            data[63] = 72;
        }

        var log = new Log(Portal, t[..topics], data);
        Assert.Throws<RollupDecodeException>(() => DepositEvent.Decode(log, Hash256.Zero, 0));
    }

    [Fact]
    public void Hostile_deposit_logs_only_fail_with_the_decode_error() =>
        Gen.Select(Gen.Byte.Array[0, 300], Gen.Int[0, 4], Gen.Bool).Sample((data, topicCount, version0) =>
        {
            Hash256[] topics = [DepositEvent.Topic, Hash256.Zero, Hash256.Zero, version0 ? Hash256.Zero : DepositEvent.Topic];
            var log = new Log(Portal, topics[..topicCount], data);
            try
            {
                DepositEvent.Decode(log, Hash256.Zero, 0);
            }
            catch (RollupDecodeException)
            {
            }
        });
}
