using Hyperion.Core;
using Hyperion.Core.Transactions;
using Hyperion.Evm;
using Hyperion.Evm.Tracing;
using Hyperion.Execution.Blocks;

namespace Hyperion.Chain.Tests;

/// <summary>
/// The address index of the blocks this node builds comes from what the producer collected as it executed them; it
/// must be the index that executing the blocks again gives (internal calls of every kind, creations by CREATE and
/// CREATE2 that succeed, collide or revert, a creation undone by its caller's revert, SELFDESTRUCT, top-level
/// reverts, out of gas, a deployment, a plain transfer).
/// </summary>
public sealed class AddressIndexTests
{
    private static readonly Address Bob = Address.Parse("0x00000000000000000000000000000000000b0b00");
    private static readonly Address Target = Numbered(0x1001); // STOP
    private static readonly Address Reverter = Numbered(0x1002); // REVERT
    private static readonly Address SelfDestructor = Numbered(0x1003); // SELFDESTRUCT to the caller
    private static readonly Address CreateThenRevert = Numbered(0x1004); // CREATE, then REVERT
    private static readonly Address Factory = Numbered(0x1005);
    private static readonly Address Caller = Numbered(0x1006);
    private static readonly Address DelegateTarget = Numbered(0x1007); // STOP

    // CALL Target, STATICCALL Target, DELEGATECALL DelegateTarget, CALL Reverter, CALL SelfDestructor, CALL the identity precompile.
    private const string CallerCode =
        "600060006000600060007300000000000000000000000000000000000010015af150" +
        "60006000600060007300000000000000000000000000000000000010015afa50" +
        "60006000600060007300000000000000000000000000000000000010075af450" +
        "600060006000600060007300000000000000000000000000000000000010025af150" +
        "600060006000600060007300000000000000000000000000000000000010035af150" +
        "600060006000600060007300000000000000000000000000000000000000045af15000";

    // CREATE (empty), CREATE2 (empty, salt 1: collides from the second call on), CREATE of init code that reverts,
    // CALL CreateThenRevert; then REVERT when called with data.
    private const string FactoryCode =
        "600060006000f0506001600060006000f5506460006000fd6000526005601b6000f050" +
        "600060006000600060007300000000000000000000000000000000000010045af150" +
        "3615604f5760006000fd5b00";

    // Init code: CREATE (empty), then deploys the one-byte runtime 0x01.
    private const string FactoryInit = "6000600060006000f050600160005360016000f3";

    private static Address Numbered(int n)
    {
        var bytes = new byte[20];
        bytes[18] = (byte)(n >> 8);
        bytes[19] = (byte)n;
        return new Address(bytes);
    }

    private static Genesis WithContracts()
    {
        Genesis genesis = TestChain.Genesis();
        var alloc = new SortedDictionary<Address, GenesisAccount>((IDictionary<Address, GenesisAccount>)genesis.Alloc)
        {
            [Target] = new GenesisAccount(UInt256.Zero, Nonce: 1, Code: [0x00]),
            [DelegateTarget] = new GenesisAccount(UInt256.Zero, Nonce: 1, Code: [0x00]),
            [Reverter] = new GenesisAccount(UInt256.Zero, Nonce: 1, Code: Convert.FromHexString("60006000fd")),
            [SelfDestructor] = new GenesisAccount(UInt256.One, Nonce: 1, Code: Convert.FromHexString("33ff")),
            [CreateThenRevert] = new GenesisAccount(UInt256.Zero, Nonce: 1, Code: Convert.FromHexString("600060006000f05060006000fd")),
            [Factory] = new GenesisAccount(UInt256.Zero, Nonce: 1, Code: Convert.FromHexString(FactoryCode)),
            [Caller] = new GenesisAccount(UInt256.Zero, Nonce: 1, Code: Convert.FromHexString(CallerCode)),
        };
        return genesis with { Alloc = alloc };
    }

    private static Transaction Call(int from, ulong nonce, Address? to, string data = "", ulong gas = 500_000) => TestChain.Sign(new Transaction
    {
        Type = TransactionType.DynamicFee,
        ChainId = TestChain.ChainId,
        Nonce = nonce,
        MaxFeePerGas = 10_000_000_000UL,
        MaxPriorityFeePerGas = 1_000_000_000UL,
        GasLimit = gas,
        To = to,
        Data = Convert.FromHexString(data),
    }, from);

    public static TheoryData<AddressIndexStorage> Storages => [AddressIndexStorage.Lmdb, AddressIndexStorage.Memory];

    [Theory]
    [MemberData(nameof(Storages))]
    public void The_index_from_the_producers_execution_is_the_index_from_executing_the_blocks_again(AddressIndexStorage storage)
    {
        using LocalChain chain = LocalChain.Start(WithContracts(), new ChainOptions { Sequencer = new() { BlockTime = TimeSpan.FromHours(1) } });
        var collected = new List<BlockAddresses>();
        chain.Chain.BlockAdded += added => collected.Add(added.Addresses!);
        using var live = new AddressIndex(chain.Chain, dataDirectory: null, storage);

        Transaction[][] blocks =
        [
            [
                Call(0, 0, Caller),
                Call(0, 1, Factory),
                Call(1, 0, Factory, "01"), // reverts at the top: nothing it created stays
                TestChain.Transfer(2, Bob, 5, nonce: 0),
                Call(1, 1, to: null, FactoryInit), // a deployment whose init code creates
            ],
            [
                Call(0, 2, Factory), // its CREATE2 collides now
                Call(2, 1, Caller, gas: 21_500), // out of gas at once
                Call(0, 3, SelfDestructor),
            ],
            [],
        ];
        foreach (Transaction[] block in blocks)
        {
            foreach (Transaction tx in block)
            {
                Assert.Null(chain.Pool.Add(tx));
            }

            Assert.Equal(block.Length, chain.Dev.Mine().Block.Transactions.Length);
        }

        live.CatchUp();
        using var again = new AddressIndex(chain.Chain, dataDirectory: null, storage);
        again.CatchUp();
        Assert.Equal(0, live.ExecutedAgain);
        Assert.Equal(2, again.ExecutedAgain); // the empty block needs no execution
        Assert.Equal(0, again.UntracedBlocks);
        Assert.Equal(3, collected.Count);

        // What the producer collected has what the blocks did.
        List<(int Index, Address Address)> first = collected[0].Touched;
        Address factoryChild = ContractAddress.From(Factory, 1);
        Address deployed = ContractAddress.From(TestChain.Accounts[1].Address, 1);
        Assert.Contains((0, SelfDestructor), first);
        Assert.Contains((0, Caller), first); // the self-destruct beneficiary (and the caller of every frame)
        Assert.Contains((0, Numbered(4)), first);
        Assert.Contains((0, Reverter), first);
        Assert.Contains((0, DelegateTarget), first); // a DELEGATECALL's frame goes to the account whose code runs
        Assert.Contains((2, ContractAddress.From(Factory, 4)), first); // touched by the reverted transaction, created by none of its frames
        Assert.Equal(
            [(1, factoryChild, Factory), (1, ContractAddress.FromSalt(Factory, UInt256.One, []), Factory), (4, ContractAddress.From(deployed, 1), deployed), (4, deployed, TestChain.Accounts[1].Address)], // in the order the frames end
            collected[0].Created);
        Assert.Equal(first.Count, first.Distinct().Count());

        // Every address any block touched answers the same from both indexes: positions, and creator.
        IEnumerable<Address> addresses = collected.SelectMany(c => c.Touched.Select(t => t.Address))
            .Concat(collected.SelectMany(c => c.Created.Select(t => t.Contract))).Distinct();
        foreach (Address address in addresses)
        {
            Assert.Equal(again.Search(address, 0, before: false, 1000, out _), live.Search(address, 0, before: false, 1000, out _));
            Assert.Equal(again.Creator(address), live.Creator(address));
        }
    }

    [Fact]
    public void An_ephemeral_nodes_index_is_kept_in_memory_and_answers_as_the_lmdb_tables_do_on_every_page_and_after_a_rewind()
    {
        using LocalChain chain = LocalChain.Start(WithContracts(), new ChainOptions { Sequencer = new() { BlockTime = TimeSpan.FromHours(1) } });
        using var memory = new AddressIndex(chain.Chain, dataDirectory: null);
        using var lmdb = new AddressIndex(chain.Chain, dataDirectory: null, AddressIndexStorage.Lmdb);
        var nonces = new ulong[3];
        void Mine(params Transaction[] block)
        {
            foreach (Transaction tx in block)
            {
                Assert.Null(chain.Pool.Add(tx));
            }

            Assert.Equal(block.Length, chain.Dev.Mine().Block.Transactions.Length);
        }

        Transaction Send(int from, Address? to, string data = "") => Call(from, nonces[from]++, to, data);

        // Blocks with several transactions of the same address (a page never splits one), a factory, an empty block.
        Mine(Send(0, Bob), Send(0, Caller), Send(1, Bob), Send(2, to: null, FactoryInit));
        Mine(Send(1, Target), Send(0, Factory), Send(0, Bob));
        Mine();
        memory.CatchUp();
        lmdb.CatchUp();
        ulong snapshot = chain.Dev.Snapshot();
        ulong[] noncesAtSnapshot = [.. nonces];
        Mine(Send(2, Bob), Send(1, Caller), Send(0, Bob));
        Mine(Send(0, to: null, FactoryInit), Send(2, Factory)); // account 0's nonce 5: a transfer's after the rewind
        memory.CatchUp();
        lmdb.CatchUp();
        Assert.Equal(5UL, memory.Indexed);
        Assert.True(chain.Dev.Revert(snapshot)); // both drop blocks 4 and 5, the creations in them too
        noncesAtSnapshot.CopyTo(nonces, 0);
        Mine(Send(1, Bob), Send(0, Target), Send(1, Bob), Send(0, Bob));
        Mine(Send(2, Caller));

        Address[] addresses = [.. TestChain.Accounts.Select(a => a.Address), Bob, Caller, Target, Factory, Reverter, SelfDestructor, DelegateTarget, Numbered(4),
            ContractAddress.From(TestChain.Accounts[2].Address, 0), ContractAddress.From(TestChain.Accounts[0].Address, 5), ContractAddress.From(Factory, 1), Numbered(0x4242)];
        ulong head = chain.Chain.Blocks.Head.Number;
        Assert.Equal(5UL, head);
        foreach (Address address in addresses)
        {
            Assert.Equal(lmdb.Creator(address), memory.Creator(address));
            foreach (bool before in (bool[])[true, false])
            {
                foreach (ulong block in (ulong[])[0, 1, 2, 3, 4, head, head + 1, ulong.MaxValue - 1, ulong.MaxValue])
                {
                    foreach (int limit in (int[])[1, 2, 3, 100])
                    {
                        List<TransactionPosition> expected = lmdb.Search(address, block, before, limit, out bool expectedExhausted);
                        Assert.Equal(expected, memory.Search(address, block, before, limit, out bool exhausted));
                        Assert.Equal(expectedExhausted, exhausted);
                    }
                }
            }
        }

        // What the pages hold: Bob's newest block (4) has three of his transactions, all on a page of one.
        Assert.Equal([new(4, 3), new(4, 2), new(4, 0)], memory.Search(Bob, ulong.MaxValue, before: true, 1, out bool more));
        Assert.False(more);
        Assert.Equal([new(1, 0), new(1, 2)], memory.Search(Bob, 0, before: false, 1, out _));
        Assert.Equal([new(1, 0), new(1, 2), new(2, 2), new(4, 0), new(4, 2), new(4, 3)], memory.Search(Bob, 0, before: false, 100, out bool all));
        Assert.True(all);
        Assert.Equal(new ContractCreation(new(1, 3), TestChain.Accounts[2].Address), memory.Creator(ContractAddress.From(TestChain.Accounts[2].Address, 0)));
        Assert.Null(memory.Creator(ContractAddress.From(TestChain.Accounts[0].Address, 5))); // deployed in a block the revert dropped
        Assert.Equal(0, memory.UntracedBlocks);
    }

    [Fact]
    public void An_index_in_memory_has_no_data_directory()
    {
        using LocalChain chain = LocalChain.Start(TestChain.Genesis(), new ChainOptions());
        Assert.Throws<ArgumentException>(() => new AddressIndex(chain.Chain, Path.GetTempPath(), AddressIndexStorage.Memory));
    }

    [Fact]
    public void A_transaction_the_block_did_not_include_leaves_nothing_in_the_collected_entries()
    {
        var collector = new BlockAddressCollector();
        collector.Begin(0);
        collector.OnEnter(CallFrameTypes.Create, Bob, Target, UInt256.Zero, [], 100, 0);
        collector.OnExit(1, [], null, reverted: false);
        collector.Discard();
        collector.Begin(0);
        collector.OnEnter(CallFrameTypes.Call, Bob, Caller, UInt256.Zero, [], 100, 0);
        collector.OnEnter(CallFrameTypes.Create2, Caller, Factory, UInt256.Zero, [], 100, 1);
        collector.OnExit(1, [], null, reverted: false);
        collector.OnEnter(CallFrameTypes.Create, Caller, Target, UInt256.Zero, [], 100, 1);
        collector.OnExit(1, [], "execution reverted", reverted: true);
        collector.OnExit(1, [], null, reverted: false);
        collector.Begin(1);
        collector.OnEnter(CallFrameTypes.Call, Bob, Caller, UInt256.Zero, [], 100, 0);
        collector.OnEnter(CallFrameTypes.Create, Caller, Reverter, UInt256.Zero, [], 100, 1);
        collector.OnExit(1, [], null, reverted: false);
        collector.OnExit(1, [], "out of gas", reverted: false); // the transaction failed: its creation is undone

        Assert.Equal([(0, Bob), (0, Caller), (0, Factory), (0, Target), (1, Bob), (1, Caller), (1, Reverter)], collector.Addresses.Touched);
        Assert.Equal([(0, Factory, Caller)], collector.Addresses.Created);
    }
}
