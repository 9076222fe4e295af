using CsCheck;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;

namespace Hyperion.Core.Tests.Transactions;

public class SenderRecoveryTests
{
    private static readonly Address Recipient = Address.Parse("0x3535353535353535353535353535353535353535");

    private static byte[] Key(int i) => Enumerable.Repeat((byte)(i + 1), 32).ToArray();

    /// <summary>Transaction i signed by key i; those in <paramref name="badRecoveryId"/> get a v no signature has, those in <paramref name="badR"/> an r of zero.</summary>
    private static List<Transaction> Block(int count, ISet<int> badRecoveryId, ISet<int> badR)
    {
        var txs = new List<Transaction>(count);
        for (int i = 0; i < count; i++)
        {
            var unsigned = new Transaction
            {
                Type = TransactionType.DynamicFee, ChainId = 1, Nonce = (ulong)i, MaxPriorityFeePerGas = 1, MaxFeePerGas = 10,
                GasLimit = 21_000, To = Recipient, Value = 1,
            };
            EcdsaSignature signature = Secp256k1.Sign(unsigned.SigningHash().Bytes, Key(i));
            Transaction signed = unsigned.WithSignature(badR.Contains(i) ? UInt256.Zero : signature.R, signature.S, signature.RecoveryId);
            txs.Add(badRecoveryId.Contains(i) ? signed with { V = 5 } : signed);
        }

        return txs;
    }

    /// <summary>The caller's ordered pass: senders up to the first transaction whose sender cannot be recovered.</summary>
    private static (int FirstInvalid, List<Address> Senders) InOrder(IReadOnlyList<Transaction> txs)
    {
        var senders = new List<Address>();
        for (int i = 0; i < txs.Count; i++)
        {
            if (!txs[i].TryRecoverSender(out Address sender))
            {
                return (i, senders);
            }

            senders.Add(sender);
        }

        return (-1, senders);
    }

    [Fact]
    public void After_a_parallel_prefetch_the_ordered_pass_reports_what_a_sequential_one_reports() =>
        Gen.Select(Gen.Int[0, 48], Gen.Int[0, 47].Array[0, 3], Gen.Int[0, 47].Array[0, 3], Gen.Int[0, 4]).Sample((count, recoveryIds, rs, threads) =>
        {
            var badRecoveryId = recoveryIds.Where(i => i < count).ToHashSet();
            var badR = rs.Where(i => i < count).ToHashSet();
            List<Transaction> sequential = Block(count, badRecoveryId, badR);
            List<Transaction> prefetched = Block(count, badRecoveryId, badR);
            SenderRecovery.Prefetch(prefetched, threads);

            (int expectedFirst, List<Address> expectedSenders) = InOrder(sequential);
            (int first, List<Address> senders) = InOrder(prefetched);
            int firstBad = badRecoveryId.Concat(badR).DefaultIfEmpty(-1).Min();
            Assert.Equal(firstBad, expectedFirst);
            Assert.Equal(expectedFirst, first);
            Assert.Equal(expectedSenders, senders);
            Assert.Equal(Enumerable.Range(0, senders.Count).Select(i => Secp256k1.AddressFromPrivateKey(Key(i))), senders);
        }, iter: 40);

    [Fact]
    public void A_negative_thread_count_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SenderRecovery.Prefetch([], -1));
}
