using Hyperion.Core;
using Hyperion.Core.Transactions;

namespace Hyperion.Chain.Tests;

/// <summary>What a node does with a damaged or shared data directory.</summary>
public sealed class DataDirectoryTests : IDisposable
{
    private static readonly Address Bob = TestChain.Accounts[1].Address;
    private readonly string _directory = TestChain.TempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_second_node_on_the_same_directory_refuses_to_start()
    {
        var options = new SequencerOptions { DataDirectory = _directory };
        using (Sequencer.Start(TestChain.Genesis(), options))
        {
            IOException error = Assert.Throws<IOException>(() => Sequencer.Start(TestChain.Genesis(), options));
            Assert.Contains("in use by another Hyperion process", error.Message);
        }

        // Released on stop.
        using (Sequencer.Start(TestChain.Genesis(), options))
        {
        }
    }

    [Fact]
    public void A_flipped_bit_in_an_early_block_refuses_to_start_and_only_repair_cuts_the_log()
    {
        var options = new SequencerOptions { DataDirectory = _directory };
        using (Sequencer chain = Sequencer.Start(TestChain.Genesis(), options))
        {
            for (ulong nonce = 0; nonce < 5; nonce++)
            {
                Transaction tx = TestChain.Transfer(0, Bob, 1, nonce);
                Assert.Null(chain.Submit(tx));
                TestChain.WaitForInclusion(chain, tx.Hash);
            }

            while (chain.Store.Head.Number < 5)
            {
                chain.Mine();
            }
        }

        string log = Path.Combine(_directory, Sequencer.ChainFileName);
        byte[] bytes = File.ReadAllBytes(log);
        int genesisRecord = 4 + (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes) + 4;
        bytes[genesisRecord + 40] ^= 0x04; // inside block 1
        File.WriteAllBytes(log, bytes);

        BlockLogDamagedException error = Assert.Throws<BlockLogDamagedException>(() => Sequencer.Start(TestChain.Genesis(), options));
        Assert.Equal(1, error.Record);
        Assert.Equal(bytes, File.ReadAllBytes(log)); // no block dropped

        BlockLogRepair repair = BlockLog.Repair(log);
        Assert.Equal(1, repair.KeptRecords);
        Assert.True(repair.DroppedRecords >= 5);

        // The state store is now ahead of the log: it is rebuilt, with a warning, and the chain goes on from genesis.
        var warnings = new List<string>();
        using Sequencer restarted = Sequencer.Start(TestChain.Genesis(), options with { Warning = warnings.Add });
        Assert.Equal(0UL, restarted.Store.Head.Number);
        Assert.Contains(warnings, w => w.Contains("rebuilding it from genesis", StringComparison.Ordinal));
    }
}
