using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Evm.Precompiles;
using Hyperion.Execution.Transactions;
using Hyperion.State.World;

namespace Hyperion.Evm.Tests.Execution;

public sealed class TransactionHandlerTests
{
    private static readonly Address Sender = Address.Parse("0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b");
    private static readonly Address Recipient = Address.Parse("0x1000000000000000000000000000000000000001");
    private static readonly Address Coinbase = Address.Parse("0x2adc25665018aa1fe0e6bc666dac8fc2697ff9ba");
    private static readonly Address Vault = Address.Parse("0x4200000000000000000000000000000000000011");

    private static readonly BlockEnvironment Block = new()
    {
        Fork = Fork.Cancun,
        ChainId = 1,
        Coinbase = Coinbase,
        Number = 1,
        Timestamp = 1000,
        GasLimit = 30_000_000,
        BaseFee = new UInt256(7),
        BlobBaseFee = UInt256.One,
    };

    private static readonly Transaction Transfer = new()
    {
        Type = TransactionType.DynamicFee,
        ChainId = 1,
        To = Recipient,
        Nonce = 0,
        GasLimit = 50_000,
        Value = new UInt256(1000),
        MaxFeePerGas = new UInt256(10),
        MaxPriorityFeePerGas = new UInt256(2),
    };

    private static WorldState World()
    {
        var reader = new InMemoryStateReader();
        reader.SetAccount(Sender, 0, new UInt256(1_000_000_000_000), []);
        return new WorldState(reader);
    }

    /// <summary>A fee-vault rule (as a rollup's): the priority fee goes to a vault instead of the coinbase.</summary>
    private sealed class VaultHandler : TransactionHandler
    {
        protected override void Reward(TransactionContext context) =>
            context.State.AddBalance(Vault, new UInt256((ulong)context.GasUsed) * (context.EffectiveGasPrice - context.Block.BaseFee));
    }

    /// <summary>Records the phases in the order the handler runs them.</summary>
    private sealed class RecordingHandler : TransactionHandler
    {
        public List<string> Phases { get; } = [];

        protected override TransactionResult? ValidateAgainstBlock(TransactionContext context) => Record(nameof(ValidateAgainstBlock), base.ValidateAgainstBlock(context));

        protected override TransactionResult? ValidateAgainstAccount(TransactionContext context) => Record(nameof(ValidateAgainstAccount), base.ValidateAgainstAccount(context));

        protected override void PreExecute(TransactionContext context)
        {
            Phases.Add(nameof(PreExecute));
            base.PreExecute(context);
        }

        protected override void Warm(TransactionContext context)
        {
            Phases.Add(nameof(Warm));
            base.Warm(context);
        }

        protected override ExecutionResult Execute(TransactionContext context) => Record(nameof(Execute), base.Execute(context));

        protected override void PostExecute(TransactionContext context)
        {
            Phases.Add(nameof(PostExecute));
            base.PostExecute(context);
        }

        protected override void Reward(TransactionContext context)
        {
            Phases.Add(nameof(Reward));
            base.Reward(context);
        }

        protected override TransactionResult Finish(TransactionContext context) => Record(nameof(Finish), base.Finish(context));

        private T Record<T>(string phase, T result)
        {
            Phases.Add(phase);
            return result;
        }
    }

    [Fact]
    public void A_handler_that_replaces_the_reward_phase_pays_the_vault_and_not_the_coinbase()
    {
        WorldState world = World();
        TransactionResult result = new TransactionProcessor(Block, BlobSchedule.Cancun, handler: new VaultHandler()).Execute(world, Transfer, Sender);

        Assert.True(result.Success);
        Assert.Equal(21_000, result.GasUsed);
        Assert.Equal(new UInt256(21_000 * 2), world.GetBalance(Vault));
        Assert.False(world.Exists(Coinbase));
        // The sender still paid base fee + tip: the other phases are Ethereum's.
        Assert.Equal(new UInt256(1_000_000_000_000 - 1000 - (21_000 * 9)), world.GetBalance(Sender));
    }

    [Fact]
    public void The_phases_run_in_order_and_an_invalid_transaction_stops_after_validation()
    {
        var handler = new RecordingHandler();
        var processor = new TransactionProcessor(Block, BlobSchedule.Cancun, handler: handler);
        Assert.True(processor.Execute(World(), Transfer, Sender).Success);
        Assert.Equal(["ValidateAgainstBlock", "ValidateAgainstAccount", "PreExecute", "Warm", "Execute", "PostExecute", "Reward", "Finish"], handler.Phases);

        handler.Phases.Clear();
        Assert.False(processor.Execute(World(), Transfer with { Nonce = 3 }, Sender).IsValid);
        Assert.Equal(["ValidateAgainstBlock", "ValidateAgainstAccount"], handler.Phases);
    }

    [Fact]
    public void The_warm_precompiles_are_the_precompile_tables()
    {
        Address custom = Address.Parse("0x0000000000000000000000000000000000000a11");
        PrecompileTable table = PrecompileTable.ForFork(Fork.Cancun).With(custom, new StaticPrecompile("echo", IdentityPrecompile.RequiredGas, IdentityPrecompile.TryRun));
        Assert.Contains(custom, table.Addresses);

        var context = new TransactionContext { Block = Block, Blobs = BlobSchedule.Cancun, State = World(), Transaction = Transfer, Sender = Sender, Precompiles = table };
        new WarmOnly().WarmFor(context);
        Assert.All(table.Addresses, address => Assert.False(context.State.WarmAccount(address)));
        Assert.True(context.State.WarmAccount(Address.Parse("0x0000000000000000000000000000000000000b00")));
    }

    private sealed class WarmOnly : TransactionHandler
    {
        public void WarmFor(TransactionContext context) => Warm(context);
    }
}
