using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;
using Hyperion.State;
using Hyperion.Trie;

namespace Hyperion.Chain.Tests;

/// <summary>The MetisDB-backed chain state (data directory) against the in-memory one (ephemeral), restarts and proofs.</summary>
public sealed class ChainStateTests : IDisposable
{
    private static readonly Address Bob = TestChain.Accounts[1].Address;
    private static readonly Address Absent = Address.Parse("0x00000000000000000000000000000000deadbeef");

    /// <summary>Init code storing 0x2a at slot 1 and 7 at slot 2, deploying no code.</summary>
    private static readonly byte[] StoreTwoSlots = Hex.Decode("0x602a60015560076002555f5ff3");

    private readonly string _directory = TestChain.TempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Blocks only when mined explicitly (the interval never elapses in a test), so block numbers are exact.</summary>
    private static readonly ChainOptions Ephemeral = new() { Sequencer = new() { BlockTime = TimeSpan.FromHours(1) } };

    private ChainOptions Persistent => Ephemeral with { DataDirectory = _directory };

    [Fact]
    public void Restart_continues_from_the_state_store_without_replaying_blocks()
    {
        const int blocks = 300; // past two prune intervals
        Dictionary<ulong, UInt256> bobAt = [];
        Hash256 head;
        using (LocalChain chain = LocalChain.Start(TestChain.Genesis(), Persistent))
        {
            Assert.Equal(0, chain.Recovery.ReplayedBlocks);
            for (int i = 0; i < blocks; i++)
            {
                Assert.Null(chain.Pool.Add(TestChain.Transfer(0, Bob, (ulong)i + 1, nonce: (ulong)i)));
                chain.Dev.Mine();
                bobAt[chain.Chain.Store.Head.Number] = Balance(chain.Chain.StateAt(chain.Chain.Store.Head.Number)!, Bob);
            }

            head = chain.Chain.Store.Head.Hash;
            Assert.Equal((ulong)blocks - StateHistory.Window, chain.Chain.OldestState);
            Assert.Null(chain.Chain.StateAt(chain.Chain.OldestState - 1));
        }

        using (LocalChain reopened = LocalChain.Start(TestChain.Genesis(), Persistent))
        {
            Assert.Equal(0, reopened.Recovery.ReplayedBlocks);
            Assert.Null(reopened.Recovery.StateRebuildReason);
            Assert.Equal(head, reopened.Chain.Store.Head.Hash);
            ulong number = reopened.Chain.Store.Head.Number;
            Assert.Equal(bobAt[number], Balance(reopened.Chain.LatestState, Bob));
            for (ulong n = reopened.Chain.OldestState; n <= number; n++)
            {
                Assert.Equal(bobAt[n], Balance(reopened.Chain.StateAt(n)!, Bob));
            }

            Assert.Equal((ulong)blocks, reopened.Chain.LatestState.TryGetAccount(TestChain.Accounts[0].Address, out Account sender) ? sender.Nonce : 0);
            Assert.Null(reopened.Pool.Add(TestChain.Transfer(0, Bob, 1, nonce: blocks)));
            Assert.Equal(head, reopened.Dev.Mine().Header.ParentHash);
        }
    }

    [Fact]
    public void Restart_replays_only_the_blocks_the_state_store_lacks()
    {
        using (LocalChain chain = LocalChain.Start(TestChain.Genesis(), Persistent))
        {
            MineTransfers(chain, 5);
        }

        // A state store from before those blocks (what a crash between the log write and the state commit leaves).
        Directory.Delete(Path.Combine(_directory, ChainRecovery.StateDirectoryName), recursive: true);
        using (LocalChain reopened = LocalChain.Start(TestChain.Genesis(), Persistent))
        {
            Assert.Equal(5, reopened.Recovery.ReplayedBlocks);
            Assert.Null(reopened.Recovery.StateRebuildReason);
            Assert.Equal(5UL, reopened.Chain.LatestState.TryGetAccount(TestChain.Accounts[0].Address, out Account sender) ? sender.Nonce : 0);
        }

        using (LocalChain again = LocalChain.Start(TestChain.Genesis(), Persistent))
        {
            Assert.Equal(0, again.Recovery.ReplayedBlocks);
        }
    }

    [Fact]
    public void A_state_store_ahead_of_the_block_log_is_rebuilt_from_genesis()
    {
        using (LocalChain chain = LocalChain.Start(TestChain.Genesis(), Persistent))
        {
            MineTransfers(chain, 5);
        }

        // Cut the log back to block 3: the state store now holds blocks the log does not.
        using (BlockLog log = BlockLog.Open(Path.Combine(_directory, "chain.log"), out List<byte[]> records))
        {
            log.TruncateTo(records.Take(4).Sum(r => BlockLog.RecordSize(r.Length)));
        }

        var warnings = new List<string>();
        using LocalChain reopened = LocalChain.Start(TestChain.Genesis(), Persistent with { Warning = warnings.Add });
        Assert.Contains("block log ends at block 3", reopened.Recovery.StateRebuildReason, StringComparison.Ordinal);
        Assert.Equal(2, warnings.Count);
        Assert.Contains(warnings, w => w.Contains("chain index", StringComparison.Ordinal) && w.Contains("rebuilt it from the block log", StringComparison.Ordinal));
        Assert.Equal(3, reopened.Recovery.ReplayedBlocks);
        Assert.Equal(3UL, reopened.Chain.Store.Head.Number);
        Assert.Equal(3UL, reopened.Chain.LatestState.TryGetAccount(TestChain.Accounts[0].Address, out Account sender) ? sender.Nonce : 0);
    }

    [Fact]
    public void A_state_store_of_another_history_is_rebuilt_from_genesis()
    {
        string other = TestChain.TempDirectory();
        try
        {
            using (LocalChain chain = LocalChain.Start(TestChain.Genesis(), Persistent))
            {
                MineTransfers(chain, 3);
            }

            using (LocalChain chain = LocalChain.Start(TestChain.Genesis(), Ephemeral with { DataDirectory = other }))
            {
                MineTransfers(chain, 3, value: 999);
            }

            string state = Path.Combine(_directory, ChainRecovery.StateDirectoryName);
            Directory.Delete(state, recursive: true);
            Directory.Move(Path.Combine(other, ChainRecovery.StateDirectoryName), state);
            using LocalChain reopened = LocalChain.Start(TestChain.Genesis(), Persistent);
            Assert.Contains("but the block header says", reopened.Recovery.StateRebuildReason, StringComparison.Ordinal);
            Assert.Equal(3, reopened.Recovery.ReplayedBlocks);
            Assert.Equal(TestChain.Ether * 100 + 3, Balance(reopened.Chain.LatestState, Bob));
        }
        finally
        {
            Directory.Delete(other, recursive: true);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Snapshot_and_revert_rebuild_the_state(bool persistent)
    {
        using LocalChain chain = LocalChain.Start(TestChain.Genesis(), persistent ? Persistent : Ephemeral);
        MineTransfers(chain, 2);
        ulong snapshot = chain.Dev.Snapshot();
        Hash256 head = chain.Chain.Store.Head.Hash;
        MineTransfers(chain, 3, firstNonce: 2);
        Assert.True(chain.Dev.Revert(snapshot));
        Assert.Equal(head, chain.Chain.Store.Head.Hash);
        Assert.Equal(TestChain.Ether * 100 + 2, Balance(chain.Chain.LatestState, Bob));
        Assert.Equal(TestChain.Ether * 100 + 1, Balance(chain.Chain.StateAt(1)!, Bob));
        MineTransfers(chain, 1, firstNonce: 2, value: 10);
        Assert.Equal(TestChain.Ether * 100 + 12, Balance(chain.Chain.LatestState, Bob));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Proofs_verify_against_the_block_state_root_and_storage_root(bool persistent)
    {
        using LocalChain chain = LocalChain.Start(TestChain.Genesis(), persistent ? Persistent : Ephemeral);
        var deploy = new Transaction
        {
            Type = TransactionType.DynamicFee,
            ChainId = TestChain.ChainId,
            Nonce = 0,
            MaxFeePerGas = 10_000_000_000UL,
            MaxPriorityFeePerGas = 1_000_000_000UL,
            GasLimit = 200_000,
            Data = StoreTwoSlots,
        };
        deploy = TestChain.Sign(deploy, 2);
        Assert.Null(chain.Pool.Add(deploy));
        StoredBlock block = chain.Dev.Mine();
        Address contract = block.ContractAddress(0)!.Value;
        MineTransfers(chain, 2); // the proofs are asked at an older block too

        UInt256[] slots = [1, 2, 3];
        AccountProof proof = chain.Proofs.GetProof(block.Number, contract, slots)!;
        Hash256 stateRoot = block.Header.StateRoot;
        byte[]? leaf = TrieProof.Verify(stateRoot, Keccak256.Hash(contract.Bytes).Bytes, proof.Proof);
        Assert.NotNull(leaf);
        Assert.Equal(proof.Account, AccountRlp.Decode(leaf));
        Assert.Equal(1UL, proof.Account.Nonce);
        Assert.Equal(new UInt256[] { 0x2a, 7, 0 }, proof.StorageProofs.Select(s => s.Value));
        foreach (StorageSlotProof slot in proof.StorageProofs)
        {
            byte[]? value = TrieProof.Verify(proof.Account.StorageRoot, SlotKey(slot.Key), slot.Proof);
            Assert.Equal(slot.Value.IsZero ? null : StateProofs.EncodeSlotValue(slot.Value), value);
        }

        // An account that does not exist: the proof shows its absence.
        AccountProof absent = chain.Proofs.GetProof(chain.Chain.Store.Head.Number, Absent, [1])!;
        Assert.Null(TrieProof.Verify(chain.Chain.Store.Head.Header.StateRoot, Keccak256.Hash(Absent.Bytes).Bytes, absent.Proof));
        Assert.Equal(Account.Empty, absent.Account);
        Assert.Empty(absent.StorageProofs[0].Proof);

        // A funded account with no storage, at genesis.
        AccountProof genesis = chain.Proofs.GetProof(0, Bob, [])!;
        Assert.Equal(TestChain.Ether * 100, AccountRlp.Decode(TrieProof.Verify(chain.Chain.Store.Genesis.Header.StateRoot, Keccak256.Hash(Bob.Bytes).Bytes, genesis.Proof)).Balance);
        Assert.Null(chain.Proofs.GetProof(chain.Chain.Store.Head.Number + 1, Bob, []));
    }

    [Fact]
    public async Task Readers_of_an_older_block_see_it_unchanged_while_blocks_are_added()
    {
        using LocalChain chain = LocalChain.Start(TestChain.Genesis(), Persistent);
        MineTransfers(chain, 1);
        IStateReader atOne = chain.Chain.StateAt(1)!;
        IStateReader latest = chain.Chain.LatestState;
        UInt256 expected = Balance(atOne, Bob);
        using var stop = new CancellationTokenSource();
        var failures = 0;
        Task[] readers = [.. Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            UInt256 previous = UInt256.Zero;
            while (!stop.IsCancellationRequested)
            {
                if (Balance(atOne, Bob) != expected)
                {
                    Interlocked.Increment(ref failures);
                }

                UInt256 now = Balance(latest, Bob);
                if (now < previous)
                {
                    Interlocked.Increment(ref failures); // the head only moves forward, and Bob only receives
                }

                previous = now;
            }
        }))];
        MineTransfers(chain, 40, firstNonce: 1);
        stop.Cancel();
        await Task.WhenAll(readers);
        Assert.Equal(0, failures);
        Assert.Equal(TestChain.Ether * 100 + 41, Balance(latest, Bob));
    }

    private static void MineTransfers(LocalChain chain, int count, int firstNonce = 0, ulong value = 1)
    {
        for (int i = 0; i < count; i++)
        {
            Assert.Null(chain.Pool.Add(TestChain.Transfer(0, Bob, value, nonce: (ulong)(firstNonce + i))));
            chain.Dev.Mine();
        }
    }

    private static byte[] SlotKey(UInt256 slot)
    {
        var key = new byte[32];
        slot.WriteBigEndian(key);
        return Keccak256.Hash(key).ToArray();
    }

    private static UInt256 Balance(IStateReader state, Address address) =>
        state.TryGetAccount(address, out Account account) ? account.Balance : UInt256.Zero;
}
