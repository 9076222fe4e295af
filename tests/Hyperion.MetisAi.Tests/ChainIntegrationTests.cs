using System.Collections.Concurrent;
using Hyperion.Chain;
using Hyperion.Chain.Tests;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;
using Hyperion.Core.Wallet;
using Hyperion.Evm;
using Hyperion.Evm.Precompiles;
using Hyperion.Execution.Blocks;
using Hyperion.State;
using Hyperion.State.World;

namespace Hyperion.MetisAi.Tests;

/// <summary>The precompile inside MetisVM (gas, the real registry contract) and inside the dev chain (drop, refuse).</summary>
public sealed class ChainIntegrationTests
{
    private const ulong ChainId = TestChain.ChainId;
    private static readonly IReadOnlyList<DevAccount> Accounts = TestChain.Accounts;
    private static readonly UInt256 Ether = TestChain.Ether;

    private static ChainPrecompiles Precompiles(ModelStore store) => ChainPrecompiles.Standard.With(InferencePrecompile.DefaultAddress, new InferencePrecompile(store));

    /// <summary>The dev genesis with the registry contract owned by account 0 and <paramref name="registered"/> already in it.</summary>
    private static Genesis GenesisWith(params (Hash256 Hash, ulong Size)[] registered)
    {
        var storage = new Dictionary<UInt256, UInt256>(ModelRegistry.GenesisStorage(Accounts[0].Address));
        foreach ((Hash256 hash, ulong size) in registered)
        {
            storage[ModelRegistry.EntrySlot(hash)] = ModelRegistry.Pack(new RegisteredModel(size, 64));
        }

        var alloc = new SortedDictionary<Address, GenesisAccount>
        {
            [Accounts[0].Address] = new GenesisAccount(Ether * 100),
            [Accounts[1].Address] = new GenesisAccount(Ether * 100),
            [ModelRegistry.DefaultAddress] = new GenesisAccount(UInt256.Zero, 1, ModelRegistry.RuntimeCode(), storage),
        };
        return new Genesis { Spec = Hyperion.Execution.Specs.ChainSpec.Dev(ChainId), Alloc = alloc };
    }

    private static Transaction Call(int from, ulong nonce, Address to, byte[] data, ulong gas = 2_000_000)
    {
        var tx = new Transaction
        {
            Type = TransactionType.DynamicFee,
            ChainId = ChainId,
            Nonce = nonce,
            MaxFeePerGas = 10_000_000_000UL,
            MaxPriorityFeePerGas = 1_000_000_000UL,
            GasLimit = gas,
            To = to,
            Data = data,
        };
        return TestChain.Sign(tx, from);
    }

    [Fact]
    public void Out_of_gas_fails_like_any_call_and_exact_gas_succeeds()
    {
        using ModelStore store = ModelStore.Open(TestModel.Directory);
        var reader = new InMemoryStateReader();
        reader.SetAccount(Accounts[0].Address, 0, Ether, []);
        reader.SetAccount(ModelRegistry.DefaultAddress, 1, UInt256.Zero, ModelRegistry.RuntimeCode());
        reader.SetStorage(ModelRegistry.DefaultAddress, ModelRegistry.EntrySlot(TestModel.Hash), ModelRegistry.Pack(new RegisteredModel((ulong)TestModel.Size, 64)));
        byte[] input = CallData.Generate(TestModel.Hash, "Once upon a time", 8);
        long required = new InferencePrecompile(store).RequiredGas(input, new FakeState().Register(TestModel.Hash, (ulong)TestModel.Size));

        ExecutionResult Run(long gas) => Vm(reader, store).Call(Accounts[0].Address, InferencePrecompile.DefaultAddress, UInt256.Zero, input, gas);

        ExecutionResult tooLittle = Run(required - 1);
        Assert.False(tooLittle.Success);
        Assert.Equal(0, tooLittle.GasLeft);
        Assert.Empty(tooLittle.Output.ToArray());

        ExecutionResult exact = Run(required);
        Assert.True(exact.Success);
        Assert.Equal(0, exact.GasLeft);
        ExecutionResult more = Run(required + 1234);
        Assert.True(more.Success);
        Assert.Equal(1234, more.GasLeft);
        Assert.Equal(exact.Output.ToArray(), more.Output.ToArray());
    }

    [Fact]
    public void An_invalid_call_reverts_with_its_reason_and_returns_the_gas_beyond_the_checks()
    {
        using ModelStore store = ModelStore.Open(TestModel.Directory);
        var reader = new InMemoryStateReader();
        reader.SetAccount(Accounts[0].Address, 0, Ether, []);
        ExecutionResult r = Vm(reader, store).Call(Accounts[0].Address, InferencePrecompile.DefaultAddress, UInt256.Zero, CallData.Generate(TestModel.Hash, "Once", 4), 200_000);
        Assert.True(r.Reverted);
        Assert.Equal(200_000 - InferenceGas.BaseGas, r.GasLeft);
        Assert.Equal(InferenceAbi.EncodeError($"inference precompile: model {TestModel.Hash} is not registered in {ModelRegistry.DefaultAddress}"), r.Output.ToArray());
    }

    [Fact]
    public void Registry_contract_storage_is_what_the_precompile_reads()
    {
        using ModelStore store = ModelStore.Open(TestModel.Directory);
        var reader = new InMemoryStateReader();
        Address owner = Accounts[0].Address, stranger = Accounts[1].Address;
        reader.SetAccount(owner, 0, Ether, []);
        reader.SetAccount(stranger, 0, Ether, []);
        reader.SetAccount(ModelRegistry.DefaultAddress, 1, UInt256.Zero, ModelRegistry.RuntimeCode());
        foreach ((UInt256 key, UInt256 value) in ModelRegistry.GenesisStorage(owner))
        {
            reader.SetStorage(ModelRegistry.DefaultAddress, key, value);
        }

        var world = new WorldState(reader);
        var view = new WorldView(world);
        byte[] register = [.. Selector("register(bytes32,uint64,uint32)"), .. TestModel.Hash.Bytes, .. CallData.Word((ulong)TestModel.Size), .. CallData.Word(77)];
        ExecutionResult byStranger = Vm(world, store).Call(stranger, ModelRegistry.DefaultAddress, UInt256.Zero, register, 200_000);
        Assert.True(byStranger.Reverted);
        Assert.Null(ModelRegistry.Lookup(view, ModelRegistry.DefaultAddress, TestModel.Hash));

        Assert.True(Vm(world, store).Call(owner, ModelRegistry.DefaultAddress, UInt256.Zero, register, 200_000).Success);
        Assert.Equal(new RegisteredModel((ulong)TestModel.Size, 77), ModelRegistry.Lookup(view, ModelRegistry.DefaultAddress, TestModel.Hash));
        ExecutionResult isRegistered = Vm(world, store).Call(stranger, ModelRegistry.DefaultAddress, UInt256.Zero, Concat(Selector("isRegistered(bytes32)"), TestModel.Hash.Bytes), 100_000);
        Assert.Equal(CallData.Word(1), isRegistered.Output.ToArray());

        // The precompile now runs, charging at the registered rate.
        byte[] input = CallData.Generate(TestModel.Hash, "Once", 4);
        Assert.True(Vm(world, store).Call(stranger, InferencePrecompile.DefaultAddress, UInt256.Zero, input, 1_000_000).Success);
        int positions = InferenceGas.Positions(TestModel.Config, new Inference.Tokenization.Tokenizer(TestModel.Model.Vocabulary!).Encode("Once", true, false).Count, 4);
        Assert.Equal(InferenceGas.ForPositions(TestModel.Config, positions, 77), new InferencePrecompile(store).RequiredGas(input, view));

        Assert.True(Vm(world, store).Call(owner, ModelRegistry.DefaultAddress, UInt256.Zero, Concat(Selector("deregister(bytes32)"), TestModel.Hash.Bytes), 100_000).Success);
        Assert.Null(ModelRegistry.Lookup(view, ModelRegistry.DefaultAddress, TestModel.Hash));
        Assert.False(Vm(world, store).Call(stranger, InferencePrecompile.DefaultAddress, UInt256.Zero, input, 1_000_000).Success);
    }

    [Fact]
    public void Sequencer_runs_inference_and_drops_a_transaction_whose_registered_model_is_missing()
    {
        using ModelStore store = ModelStore.Open(TestModel.Directory);
        Genesis genesis = GenesisWith((TestModel.Hash, (ulong)TestModel.Size), (TestModel.Missing, 1000));
        using LocalChain chain = LocalChain.Start(genesis, new ChainOptions { Precompiles = Precompiles(store) });
        var dropped = new ConcurrentQueue<SkippedTransaction>();
        chain.Chain.BlockAdded += added => { foreach (SkippedTransaction s in added.Dropped) dropped.Enqueue(s); };

        Transaction good = Call(0, 0, InferencePrecompile.DefaultAddress, CallData.Generate(TestModel.Hash, "Once upon a time", 8));
        Assert.Null(chain.Pool.Add(good));
        StoredBlock block = TestChain.WaitForInclusion(chain, good.Hash);
        Assert.True(block.Receipts[0].Success);

        Transaction orphan = Call(1, 0, InferencePrecompile.DefaultAddress, CallData.Generate(TestModel.Missing, "Once", 4));
        Assert.Null(chain.Pool.Add(orphan));
        for (int i = 0; i < 2000 && dropped.IsEmpty; i++) Thread.Sleep(5);
        SkippedTransaction skipped = Assert.Single(dropped);
        Assert.Equal(orphan.Hash, skipped.Transaction.Hash);
        Assert.Contains(TestModel.Missing.ToString(), skipped.Reason, StringComparison.Ordinal);
        Assert.False(chain.Chain.Store.TryFindTransaction(orphan.Hash, out _, out _));

        // The chain goes on, and the dropped transaction left no trace: the same nonce is usable.
        Transaction next = Call(1, 0, Accounts[0].Address, []);
        Assert.Null(chain.Pool.Add(next));
        Assert.True(TestChain.WaitForInclusion(chain, next.Hash).Receipts.Count > 0);
    }

    [Fact]
    public void A_node_without_a_registered_model_refuses_the_block_that_used_it()
    {
        string dataDir = TestModel.TempDirectory();
        Genesis genesis = GenesisWith((TestModel.Hash, (ulong)TestModel.Size));
        Transaction tx = Call(0, 0, InferencePrecompile.DefaultAddress, CallData.Generate(TestModel.Hash, "Once upon a time", 6));
        Hash256 head;
        using (ModelStore store = ModelStore.Open(TestModel.Directory))
        using (LocalChain chain = LocalChain.Start(genesis, new ChainOptions { DataDirectory = dataDir, Precompiles = Precompiles(store) }))
        {
            Assert.Null(chain.Pool.Add(tx));
            TestChain.WaitForInclusion(chain, tx.Hash);
            head = chain.Chain.Store.Head.Hash;
        }

        // Without its state store the node re-executes every stored block (as an importer would).
        Directory.Delete(Path.Combine(dataDir, ChainRecovery.StateDirectoryName), recursive: true);
        using (ModelStore empty = ModelStore.Open(TestModel.TempDirectory()))
        {
            var e = Assert.Throws<InvalidBlockException>(() => LocalChain.Start(genesis, new ChainOptions { DataDirectory = dataDir, Precompiles = Precompiles(empty) }));
            Assert.Contains(TestModel.Hash.ToString(), e.Message, StringComparison.Ordinal);
            Assert.Contains("not in the model directory", e.Message, StringComparison.Ordinal);
            Assert.Contains(tx.Hash.ToString(), e.Message, StringComparison.Ordinal);
        }

        // With the model back, the same blocks re-execute to the same head.
        using ModelStore again = ModelStore.Open(TestModel.Directory, threads: 2);
        using LocalChain reopened = LocalChain.Start(genesis, new ChainOptions { DataDirectory = dataDir, Precompiles = Precompiles(again) });
        Assert.Equal(head, reopened.Chain.Store.Head.Hash);
    }

    private static MetisVm Vm(IStateReader reader, ModelStore store) => Vm(new WorldState(reader), store);

    private static MetisVm Vm(IWorldState world, ModelStore store)
    {
        var block = new BlockEnvironment
        {
            Fork = Fork.Cancun,
            ChainId = ChainId,
            Coinbase = Address.Zero,
            Number = 1,
            Timestamp = 1,
            GasLimit = 30_000_000,
        };
        return new MetisVm(world, block, new TransactionEnvironment { Origin = Accounts[0].Address, GasPrice = UInt256.Zero }, Precompiles(store).For(block.Fork));
    }

    private static byte[] Concat(byte[] selector, ReadOnlySpan<byte> word) => [.. selector, .. word];

    private static byte[] Selector(string signature) => Keccak256.Hash(System.Text.Encoding.ASCII.GetBytes(signature)).Bytes[..4].ToArray();

    private sealed class WorldView(IWorldState world) : IPrecompileContext
    {
        public UInt256 GetStorage(in Address address, in UInt256 key) => world.GetStorage(address, key);
    }
}
