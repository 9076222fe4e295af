using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Execution.Blocks;
using Hyperion.State.World;

namespace Hyperion.Chain.Tests;

/// <summary>A block the sequencer builds and the same block imported through the block executor agree on everything.</summary>
public sealed class BlockImportEquivalenceTests
{
    private static readonly Address Bob = TestChain.Accounts[1].Address;

    /// <summary>Init code that stores 42 in slot 0, emits an empty LOG0 and deploys nothing.</summary>
    private static readonly byte[] StoreAndLog = [0x60, 0x2a, 0x60, 0x00, 0x55, 0x60, 0x00, 0x60, 0x00, 0xa0, 0x00];

    [Fact]
    public void Built_blocks_reimport_to_the_same_hash_receipts_and_state_root()
    {
        Genesis genesis = TestChain.Genesis();
        using Sequencer chain = Sequencer.Start(genesis, new SequencerOptions { BlockTime = TimeSpan.FromHours(1) });
        Assert.Null(chain.Submit(TestChain.Transfer(0, Bob, 5, nonce: 0)));
        Assert.Null(chain.Submit(TestChain.Transfer(1, Bob, 6, nonce: 0, tip: 3_000_000_000UL)));
        Assert.Null(chain.Submit(TestChain.Sign(new Transaction
        {
            Type = TransactionType.DynamicFee,
            ChainId = TestChain.ChainId,
            Nonce = 1,
            MaxFeePerGas = 10_000_000_000UL,
            MaxPriorityFeePerGas = 1_000_000_000UL,
            GasLimit = 100_000,
            Data = StoreAndLog,
        }, 0)));
        chain.Mine();
        chain.Mine(); // an empty block: only the system call
        Assert.Null(chain.Submit(TestChain.Transfer(2, Bob, 7, nonce: 0)));
        chain.Mine();
        Assert.Equal(3UL, chain.Store.Head.Number);
        Assert.Equal(3, chain.Store.GetByNumber(1)!.Block.Transactions.Length);

        // The importer: its own executor, the genesis state, senders recovered from the signatures.
        var importer = new BlockExecutor(genesis.Spec);
        InMemoryStateReader state = genesis.BuildState();
        for (ulong number = 1; number <= chain.Store.Head.Number; number++)
        {
            StoredBlock built = chain.Store.GetByNumber(number)!;
            Address[] senders = [.. built.Block.Transactions.Select(tx => tx.TryRecoverSender(out Address sender) ? sender : throw new InvalidOperationException("unsigned"))];
            BlockExecution imported = importer.Execute(BlockInput.Of(built.Block, senders, chain.Store), state, BlockExecutionMode.Import);

            Assert.Null(imported.Mismatch(built.Header));
            Assert.Equal(built.Receipts.Select(r => r.EncodeEnvelope()), imported.Transactions.Select(t => t.Receipt.EncodeEnvelope()));
            state.Apply(imported.Changes);
            BlockHeader header = built.Header;
            var reassembled = new BlockHeader
            {
                ParentHash = header.ParentHash,
                Beneficiary = header.Beneficiary,
                StateRoot = state.ComputeStateRoot(),
                TransactionsRoot = imported.TransactionsRoot,
                ReceiptsRoot = imported.ReceiptsRoot,
                LogsBloom = imported.Bloom,
                Difficulty = header.Difficulty,
                Number = header.Number,
                GasLimit = header.GasLimit,
                GasUsed = imported.GasUsed,
                Timestamp = header.Timestamp,
                ExtraData = header.ExtraData,
                MixHash = header.MixHash,
                BaseFeePerGas = header.BaseFeePerGas,
                WithdrawalsRoot = imported.WithdrawalsRoot,
                BlobGasUsed = imported.BlobGasUsed,
                ExcessBlobGas = header.ExcessBlobGas,
                ParentBeaconBlockRoot = header.ParentBeaconBlockRoot,
            };
            Assert.Equal(built.Hash, reassembled.Hash);
        }

        // Built blocks ran the EIP-4788 system call: the beacon roots contract holds the head's timestamp in its ring.
        ulong timestamp = chain.Store.Head.Header.Timestamp;
        Assert.Equal(new UInt256(timestamp), state.GetStorage(SystemContracts.BeaconRootsAddress, new UInt256(timestamp % 8191)));
        Assert.Equal(new UInt256(timestamp), chain.LatestState.GetStorage(SystemContracts.BeaconRootsAddress, new UInt256(timestamp % 8191)));
    }

    [Fact]
    public void Import_refuses_a_block_whose_transaction_cannot_be_included()
    {
        Genesis genesis = TestChain.Genesis();
        using Sequencer chain = Sequencer.Start(genesis, new SequencerOptions { BlockTime = TimeSpan.FromHours(1) });
        Transaction tx = TestChain.Transfer(0, Bob, 5, nonce: 0);
        Assert.Null(chain.Submit(tx));
        StoredBlock built = chain.Mine();

        // Replayed twice, the nonce no longer matches: strict import throws where building would skip.
        var importer = new BlockExecutor(genesis.Spec);
        InMemoryStateReader state = genesis.BuildState();
        state.Apply(importer.Execute(BlockInput.Of(built.Block, built.Senders, chain.Store), state, BlockExecutionMode.Import).Changes);
        InvalidBlockException error = Assert.Throws<InvalidBlockException>(() =>
            importer.Execute(BlockInput.Of(built.Block, built.Senders, chain.Store), state, BlockExecutionMode.Import));
        Assert.Contains("nonce", error.Message, StringComparison.Ordinal);
        BlockExecution building = importer.Execute(BlockInput.Of(built.Block, built.Senders, chain.Store), state, BlockExecutionMode.Build);
        Assert.Empty(building.Transactions);
        Assert.Single(building.Skipped);
    }
}
