using Hyperion.Core.Blocks;

namespace Hyperion.Core.Tests;

public class BloomTests
{
    [Fact]
    public void SetsThreeBitsAtSpecifiedPositions()
    {
        // keccak(0x00..00 address) = 5380c7b7ae81a58eb98d9c78de4a1fd7fd9535fc953ed2be602daaa41767312a:
        // pairs 0x5380, 0xc7b7, 0xae81 -> bits 0x380, 0x7b7, 0x681.
        var bloom = new Bloom();
        bloom.Add(Address.Zero);
        byte[] bytes = bloom.ToArray();
        int[] expectedBits = [0x380, 0x7b7, 0x681];
        foreach (int bit in expectedBits)
        {
            Assert.NotEqual(0, bytes[255 - bit / 8] & (1 << (bit % 8)));
        }

        Assert.Equal(3, bytes.Sum(b => System.Numerics.BitOperations.PopCount(b)));
        Assert.True(bloom.Contains(Address.Zero));
    }

    [Fact]
    public void ContainsEverythingAddedAndAccumulates()
    {
        var random = new Random(11);
        var a = new Bloom();
        var b = new Bloom();
        var added = new List<byte[]>();
        for (int i = 0; i < 20; i++)
        {
            var item = new byte[i % 2 == 0 ? 20 : 32];
            random.NextBytes(item);
            (i < 10 ? a : b).Add(item);
            added.Add(item);
        }

        var combined = new Bloom(a.Bytes);
        combined.Accumulate(b);
        Assert.All(added, item => Assert.True(combined.Contains(item)));
        Assert.True(combined.Contains(a));
        Assert.True(combined.Contains(b));
        Assert.False(a.Contains(combined));
        Assert.True(new Bloom().IsEmpty);
        Assert.False(a.IsEmpty);
        Assert.Equal(a, new Bloom(a.Bytes));
        Assert.Throws<ArgumentException>(() => new Bloom(new byte[255]));
    }

    [Fact]
    public void A_receipts_bloom_with_the_log_addresses_bits_kept_is_the_bloom_hashed_anew()
    {
        // Receipts of logs from a few contracts (one of them in most logs, as a token's transfers): the bits kept for an
        // address met in an earlier receipt give the bloom hashing it again gives.
        var random = new Random(5);
        Address[] contracts = [.. Enumerable.Range(0, 3).Select(i => new Address(Enumerable.Repeat((byte)(0x40 + i), 20).ToArray()))];
        var kept = new Dictionary<Address, BloomBits>();
        for (int receipt = 0; receipt < 12; receipt++)
        {
            var logs = new List<Log>();
            for (int l = 0; l < receipt % 4; l++)
            {
                var topic = new byte[32];
                random.NextBytes(topic);
                logs.Add(new Log(contracts[(receipt + l) % 3], [new Hash256(topic)], new byte[] { (byte)l }));
            }

            var expected = new Bloom();
            foreach (Log log in logs)
            {
                expected.Add(log.Address);
                expected.Add(log.Topics[0]);
            }

            Assert.Equal(expected, Receipt.BloomOf(logs, kept));
            Assert.Equal(expected, Receipt.BloomOf(logs));
        }

        Assert.Equal(3, kept.Count);
    }

    [Fact]
    public void A_receipts_bloom_with_the_topics_bits_kept_is_the_bloom_hashed_anew_and_the_kept_topics_stop_at_the_cap()
    {
        // Token transfers: the same signature first, a sender among a few, then a recipient seen once (more distinct
        // topics than are kept): the bits kept for a topic met before give the bloom hashing it again gives.
        var random = new Random(7);
        var signature = new Hash256(Enumerable.Repeat((byte)0xdd, 32).ToArray());
        Hash256[] senders = [.. Enumerable.Range(0, 5).Select(i => new Hash256(Enumerable.Repeat((byte)(0x10 + i), 32).ToArray()))];
        var token = new Address(Enumerable.Repeat((byte)0x40, 20).ToArray());
        var addresses = new Dictionary<Address, BloomBits>();
        var topics = new Dictionary<Hash256, BloomBits>();
        for (int receipt = 0; receipt < 3 * Receipt.KeptTopicBits; receipt++)
        {
            var recipient = new byte[32];
            random.NextBytes(recipient);
            List<Log> logs = [new Log(token, [signature, senders[receipt % senders.Length], new Hash256(recipient)], new byte[] { 1 })];
            var expected = new Bloom();
            expected.Add(token);
            foreach (Hash256 topic in logs[0].Topics)
            {
                expected.Add(topic);
            }

            Assert.Equal(expected, Receipt.BloomOf(logs, addresses, topics));
            Assert.Equal(expected, Receipt.BloomOf(logs));
        }

        Assert.Equal(Receipt.KeptTopicBits, topics.Count);
        Assert.True(topics.ContainsKey(signature));
        Assert.All(senders, sender => Assert.True(topics.ContainsKey(sender)));
    }

    [Fact]
    public void A_receipts_kept_bloom_bits_encode_read_and_accumulate_as_its_whole_bloom()
    {
        // Receipts of 0 to 12 logs of 0 to 4 topics: the bits kept one by one (up to LogsBloom.MaxBits) and the whole
        // bloom beyond give the same bloom when read, the same envelope (decoded back, the same bloom) and the same
        // block bloom as the receipt given its whole bloom.
        var random = new Random(13);
        var blockOfWhole = new Bloom();
        var blockOfKept = new Bloom();
        bool kept = false, whole = false;
        for (int count = 0; count <= 12; count++)
        {
            for (int topicCount = 0; topicCount <= 4; topicCount++)
            {
                var logs = new List<Log>();
                for (int l = 0; l < count; l++)
                {
                    var address = new byte[20];
                    random.NextBytes(address);
                    Hash256[] topics = [.. Enumerable.Range(0, (topicCount + l) % 5).Select(_ =>
                    {
                        var topic = new byte[32];
                        random.NextBytes(topic);
                        return new Hash256(topic);
                    })];
                    logs.Add(new Log(new Address(address), topics, new byte[] { (byte)l }));
                }

                Bloom expected = Receipt.BloomOf(logs);
                LogsBloom bits = Receipt.LogsBloomOf(logs, [], []);
                kept |= !bits.IsNone && bits.Whole is null;
                whole |= bits.Whole is not null;
                Assert.Equal(count == 0, bits.IsNone);
                var withWhole = new Receipt { Type = Hyperion.Core.Transactions.TransactionType.DynamicFee, Success = true, CumulativeGasUsed = 21_000, Logs = logs, Bloom = expected };
                var withBits = new Receipt { Type = Hyperion.Core.Transactions.TransactionType.DynamicFee, Success = true, CumulativeGasUsed = 21_000, Logs = logs, LogsBloom = bits };
                byte[] envelope = withBits.EncodeEnvelope();
                Assert.Equal(withWhole.EncodeEnvelope(), envelope);
                Assert.Equal(expected, Receipt.DecodeEnvelope(envelope).Bloom);
                blockOfWhole.Accumulate(expected);
                blockOfKept.Accumulate(withBits.LogsBloom);
                Assert.Equal(expected, withBits.Bloom);
                Assert.Same(withBits.Bloom, withBits.Bloom); // made once
                Assert.Equal(envelope, withBits.EncodeEnvelope()); // and encoded the same once made
            }
        }

        Assert.True(kept && whole); // both forms were met
        Assert.Equal(blockOfWhole, blockOfKept);
        Assert.False(blockOfKept.IsEmpty);
    }
}
