using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;
using Hyperion.Evm;
using Hyperion.Execution.Transactions;
using Hyperion.State.World;

namespace Hyperion.Evm.Tests.Execution;

public sealed class TransactionProcessorTests
{
    private static readonly Address Sender = Address.Parse("0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b");
    private static readonly Address Recipient = Address.Parse("0x1000000000000000000000000000000000000001");
    private static readonly Address Coinbase = Address.Parse("0x2adc25665018aa1fe0e6bc666dac8fc2697ff9ba");
    private static readonly Address CodeAccount = Address.Parse("0x3000000000000000000000000000000000000003");

    private static InMemoryStateReader Pre()
    {
        var reader = new InMemoryStateReader();
        reader.SetAccount(Sender, 5, new UInt256(1_000_000_000_000), []);
        reader.SetAccount(CodeAccount, 1, UInt256.Zero, [0x60, 0x01, 0x60, 0x00, 0x55, 0x00]); // SSTORE(0, 1)
        return reader;
    }

    private static BlockEnvironment Block(Fork fork, ulong baseFee = 7) => new()
    {
        Fork = fork,
        ChainId = 1,
        Coinbase = Coinbase,
        Number = 1,
        Timestamp = 1000,
        GasLimit = 30_000_000,
        BaseFee = fork >= Fork.London ? new UInt256(baseFee) : UInt256.Zero,
        BlobBaseFee = fork >= Fork.Cancun ? UInt256.One : UInt256.Zero,
    };

    private static TransactionProcessor Processor(Fork fork) => new(Block(fork), fork >= Fork.Cancun ? BlobSchedule.Cancun : null);

    private static Transaction Transfer(ulong nonce = 5) => new()
    {
        Type = TransactionType.DynamicFee,
        ChainId = 1,
        To = Recipient,
        Nonce = nonce,
        GasLimit = 50_000,
        Value = new UInt256(1000),
        MaxFeePerGas = new UInt256(10),
        MaxPriorityFeePerGas = new UInt256(2),
    };

    [Fact]
    public void Value_transfer_charges_21000_gas_at_the_effective_price_and_tips_the_coinbase()
    {
        InMemoryStateReader reader = Pre();
        var world = new WorldState(reader);
        TransactionResult result = Processor(Fork.Cancun).Execute(world, Transfer(), Sender);

        Assert.True(result.IsValid);
        Assert.True(result.Success);
        Assert.Equal(21_000, result.GasUsed);
        // effective price = base fee 7 + min(tip 2, 10 - 7) = 9; the coinbase gets 2 per gas, 7 per gas is burned.
        Assert.Equal(new UInt256(1_000_000_000_000 - 1000 - (21_000 * 9)), world.GetBalance(Sender));
        Assert.Equal(new UInt256(1000), world.GetBalance(Recipient));
        Assert.Equal(new UInt256(21_000 * 2), world.GetBalance(Coinbase));
        Assert.Equal(6UL, world.GetNonce(Sender));
    }

    [Fact]
    public void A_zero_tip_still_touches_and_so_deletes_an_empty_coinbase()
    {
        InMemoryStateReader reader = Pre();
        reader.SetAccount(Coinbase, 0, UInt256.Zero, []); // exists, empty
        var world = new WorldState(reader);
        Transaction tx = Transfer() with { MaxFeePerGas = new UInt256(7), MaxPriorityFeePerGas = UInt256.Zero };
        Assert.True(Processor(Fork.Cancun).Execute(world, tx, Sender).Success);
        Assert.False(world.Exists(Coinbase));
    }

    [Fact]
    public void Storage_clearing_refund_is_capped_at_a_fifth_of_gas_used_from_London()
    {
        InMemoryStateReader reader = Pre();
        reader.SetAccount(CodeAccount, 1, UInt256.Zero, [0x60, 0x00, 0x60, 0x00, 0x55, 0x00]); // SSTORE(0, 0)
        reader.SetStorage(CodeAccount, UInt256.Zero, UInt256.One);
        var world = new WorldState(reader);
        Transaction tx = Transfer() with { To = CodeAccount, Value = UInt256.Zero };
        TransactionResult result = Processor(Fork.Cancun).Execute(world, tx, Sender);

        // 21000 + 2×PUSH1 (6) + cold SSTORE reset (2100 + 2900) = 26006 before the refund; the clear refund 4800 is
        // below the cap 26006/5 = 5201, so all of it is returned.
        Assert.True(result.Success);
        Assert.Equal(26_006 - 4_800, result.GasUsed);
        Assert.Equal(UInt256.Zero, world.GetStorage(CodeAccount, UInt256.Zero));
    }

    [Fact]
    public void Creation_uses_the_address_from_sender_and_nonce()
    {
        var world = new WorldState(Pre());
        Transaction tx = Transfer() with { To = null, Value = UInt256.Zero, GasLimit = 100_000, Data = new byte[] { 0x00 } };
        TransactionResult result = Processor(Fork.Cancun).Execute(world, tx, Sender);
        Assert.True(result.Success);
        Address expected = ContractAddress.From(Sender, 5);
        Assert.Equal(expected, result.CreatedAddress);
        Assert.Equal(1UL, world.GetNonce(expected));
    }

    public static TheoryData<string, TransactionRejectionReason> Invalid => new()
    {
        { "nonce low", TransactionRejectionReason.NonceTooLow },
        { "nonce high", TransactionRejectionReason.NonceTooHigh },
        { "nonce max", TransactionRejectionReason.NonceIsMax },
        { "intrinsic", TransactionRejectionReason.IntrinsicGasTooLow },
        { "block gas", TransactionRejectionReason.GasAllowanceExceeded },
        { "funds", TransactionRejectionReason.InsufficientFunds },
        { "overflow", TransactionRejectionReason.InsufficientFunds },
        { "max fee", TransactionRejectionReason.InsufficientMaxFeePerGas },
        { "priority", TransactionRejectionReason.PriorityGreaterThanMaxFee },
        { "sender code", TransactionRejectionReason.SenderNotEoa },
        { "initcode", TransactionRejectionReason.InitCodeSizeExceeded },
        { "blob create", TransactionRejectionReason.BlobContractCreation },
        { "no blobs", TransactionRejectionReason.NoBlobs },
        { "seven blobs", TransactionRejectionReason.BlobCountExceeded },
        { "blob version", TransactionRejectionReason.InvalidBlobVersionedHash },
        { "blob fee", TransactionRejectionReason.InsufficientMaxFeePerBlobGas },
        { "1559 on Berlin", TransactionRejectionReason.TypeNotSupported },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_transactions_are_rejected_and_leave_the_state_untouched(string name, TransactionRejectionReason reason)
    {
        InMemoryStateReader reader = Pre();
        Hash256 before = reader.ComputeStateRoot();
        Fork fork = Fork.Cancun;
        var blob = Hash256.Parse("0x01" + new string('0', 62));
        Transaction blobTx = Transfer() with { Type = TransactionType.Blob, BlobVersionedHashes = [blob], MaxFeePerBlobGas = new UInt256(1) };
        Transaction tx = name switch
        {
            "nonce low" => Transfer(4),
            "nonce high" => Transfer(6),
            "nonce max" => Transfer(ulong.MaxValue),
            "intrinsic" => Transfer() with { GasLimit = 20_999 },
            "block gas" => Transfer() with { GasLimit = 30_000_001 },
            "funds" => Transfer() with { Value = new UInt256(1_000_000_000_000) },
            "overflow" => Transfer() with { MaxFeePerGas = UInt256.MaxValue, MaxPriorityFeePerGas = UInt256.Zero },
            "max fee" => Transfer() with { MaxFeePerGas = new UInt256(6), MaxPriorityFeePerGas = UInt256.Zero },
            "priority" => Transfer() with { MaxPriorityFeePerGas = new UInt256(11) },
            "sender code" => Transfer(1),
            "initcode" => Transfer() with { To = null, GasLimit = 1_000_000, Data = new byte[(2 * 24576) + 1] },
            "blob create" => blobTx with { To = null },
            "no blobs" => blobTx with { BlobVersionedHashes = [] },
            "seven blobs" => blobTx with { BlobVersionedHashes = [blob, blob, blob, blob, blob, blob, blob] },
            "blob version" => blobTx with { BlobVersionedHashes = [Keccak256.Hash([1])] },
            "blob fee" => blobTx with { MaxFeePerBlobGas = UInt256.Zero },
            "1559 on Berlin" => Transfer(),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
        if (name == "1559 on Berlin")
        {
            fork = Fork.Berlin;
        }

        Address sender = name == "sender code" ? CodeAccount : Sender;

        var world = new WorldState(reader);
        TransactionResult result = Processor(fork).Execute(world, tx, sender);

        Assert.False(result.IsValid);
        Assert.Equal(reason, result.Rejection!.Reason);
        Assert.False(string.IsNullOrWhiteSpace(result.Rejection.Message));
        reader.Apply(world.CollectChanges());
        Assert.Equal(before, reader.ComputeStateRoot());
    }
}
