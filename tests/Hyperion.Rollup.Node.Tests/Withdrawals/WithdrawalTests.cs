using System.Numerics;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Rollup.Node.Proposer;
using Hyperion.Rollup.Node.Withdrawals;
using Newtonsoft.Json.Linq;

namespace Hyperion.Rollup.Node.Tests.Withdrawals;

public sealed class WithdrawalTests
{
    private static readonly Address Sender = Address.Parse("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
    private static readonly Address Target = Address.Parse("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");

    private static byte[] Word(UInt256 value) => value.ToBigEndian();

    private static byte[] Word(Address address) => [.. new byte[12], .. address.Bytes.ToArray()];

    /// <summary>abi.encode(nonce, sender, target, value, gasLimit, data) written out word by word.</summary>
    private static byte[] EncodedByHand(UInt256 nonce, UInt256 value, UInt256 gasLimit, byte[] data)
    {
        return [.. Word(nonce), .. Word(Sender), .. Word(Target), .. Word(value), .. Word(gasLimit), .. Word(new UInt256(6 * 32)), .. Word(new UInt256((ulong)data.Length)), .. Padded(data)];
    }

    private static byte[] Padded(byte[] data)
    {
        byte[] padded = new byte[(data.Length + 31) / 32 * 32];
        data.CopyTo(padded, 0);
        return padded;
    }

    private static UInt256 VersionedNonce(ulong nonce) => new UInt256(nonce) | (new UInt256(1) << 240);

    [Fact]
    public void The_withdrawal_hash_and_its_storage_slot_are_OPs()
    {
        byte[] data = [0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31];
        UInt256 nonce = VersionedNonce(3);
        var withdrawal = new WithdrawalTransaction
        {
            Nonce = nonce.ToBigInteger(), Sender = Sender.ToString(), Target = Target.ToString(), Value = new BigInteger(1_000_000_000_000_000_000), GasLimit = 100_000, Data = data,
        };
        Hash256 expected = Keccak256.Hash(EncodedByHand(nonce, new UInt256(1_000_000_000_000_000_000), new UInt256(100_000), data));
        Assert.Equal(expected, withdrawal.Hash());
        Assert.Equal(Keccak256.Hash([.. expected.Bytes.ToArray(), .. new byte[32]]), WithdrawalTransaction.StorageSlot(expected));
    }

    private static JObject Receipt(Hash256 claimedHash, Address emitter, byte[] data)
    {
        UInt256 nonce = VersionedNonce(0);
        byte[] payload = [.. Word(new UInt256(5)), .. Word(new UInt256(21_000)), .. Word(new UInt256(4 * 32)), .. claimedHash.Bytes.ToArray(), .. Word(new UInt256((ulong)data.Length)), .. Padded(data)];
        return new JObject
        {
            ["transactionHash"] = Keccak256.Hash("tx"u8).ToString(),
            ["blockNumber"] = "0x2a",
            ["status"] = "0x1",
            ["logs"] = new JArray(
                new JObject { ["address"] = Target.ToString(), ["topics"] = new JArray(MessagePassedEvent.Topic.ToString()), ["data"] = "0x" },
                new JObject
                {
                    ["address"] = emitter.ToString(),
                    ["topics"] = new JArray(MessagePassedEvent.Topic.ToString(), Hex.Encode(Word(nonce)), Hex.Encode(Word(Sender)), Hex.Encode(Word(Target))),
                    ["data"] = Hex.Encode(payload),
                    ["blockNumber"] = "0x2a", ["transactionHash"] = Keccak256.Hash("tx"u8).ToString(), ["logIndex"] = "0x1", ["transactionIndex"] = "0x0",
                    ["blockHash"] = Hash256.Zero.ToString(), ["removed"] = false,
                }),
        };
    }

    [Fact]
    public void MessagePassed_logs_of_the_message_passer_are_read_and_their_hash_checked()
    {
        byte[] data = [1, 2, 3];
        Hash256 hash = Keccak256.Hash(EncodedByHand(VersionedNonce(0), new UInt256(5), new UInt256(21_000), data));
        InitiatedWithdrawal withdrawal = Assert.Single(MessagePassedEvent.FromReceipt(Receipt(hash, Predeploys.L2ToL1MessagePasser, data)));
        Assert.Equal(hash, withdrawal.WithdrawalHash);
        Assert.Equal(42UL, withdrawal.L2BlockNumber);
        Assert.Equal(Sender, Abi.ToAddress(withdrawal.Transaction.Sender));
        Assert.Equal(data, withdrawal.Transaction.Data);
        Assert.Equal(VersionedNonce(0).ToBigInteger(), withdrawal.Transaction.Nonce);

        Assert.Empty(MessagePassedEvent.FromReceipt(Receipt(hash, Target, data))); // another contract's event is not a withdrawal
        Assert.Throws<FormatException>(() => MessagePassedEvent.FromReceipt(Receipt(Keccak256.Hash("forged"u8), Predeploys.L2ToL1MessagePasser, data)));
    }

    [Fact]
    public void The_status_follows_the_output_the_proof_and_the_window()
    {
        Hash256 root = Keccak256.Hash("root"u8);
        var output = new ProposedOutput(3, root, 1000, 40);
        var proven = new ProvenWithdrawal(root, 1010, 3);
        Assert.Equal(WithdrawalPhase.WaitingForOutput, WithdrawalService.Classify(35, covered: false, null, null, 1020, 12).Phase);
        Assert.Equal(WithdrawalPhase.ReadyToProve, WithdrawalService.Classify(35, covered: true, null, null, 1020, 12).Phase);
        WithdrawalStatus inWindow = WithdrawalService.Classify(35, true, proven, output, 1015, 12);
        Assert.Equal((WithdrawalPhase.InWindow, 7UL), (inWindow.Phase, inWindow.SecondsLeft));
        Assert.Equal(WithdrawalPhase.ReadyToFinalize, WithdrawalService.Classify(35, true, proven, output, 1022, 12).Phase);

        // The output the proof names was deleted (and maybe replaced): the proof is void.
        WithdrawalStatus voided = WithdrawalService.Classify(35, true, proven, output with { OutputRoot = Keccak256.Hash("other"u8) }, 1100, 12);
        Assert.Equal(WithdrawalPhase.ReadyToProve, voided.Phase);
        Assert.Contains("deleted", voided.Detail, StringComparison.Ordinal);
        Assert.Equal(WithdrawalPhase.WaitingForOutput, WithdrawalService.Classify(35, false, proven, null, 1100, 12).Phase);
    }
}
