using Hyperion.Core;
using Hyperion.Evm.Compiled;
using Hyperion.Evm.Precompiles;
using Hyperion.Evm.Tracing;

namespace Hyperion.Evm.Tests.Vm;

/// <summary>Sets up a world with a funded sender and runs code as a transaction's call, warming what the handler warms.</summary>
internal sealed class VmHarness
{
    public static readonly Address Sender = Address.Parse("0x1000000000000000000000000000000000000001");
    public static readonly Address Contract = Address.Parse("0x2000000000000000000000000000000000000002");
    public static readonly Address Other = Address.Parse("0x3000000000000000000000000000000000000003");
    public static readonly Address Coinbase = Address.Parse("0xc000000000000000000000000000000000000000");

    public InMemoryWorldState State { get; } = new();

    public Fork Fork { get; }

    public BlockEnvironment Block { get; }

    public TransactionEnvironment Tx { get; }

    public VmHarness(Fork fork = Fork.Cancun)
    {
        Fork = fork;
        Block = new BlockEnvironment
        {
            Fork = fork,
            ChainId = 1,
            Coinbase = Coinbase,
            Number = 1000,
            Timestamp = 1_700_000_000,
            GasLimit = 30_000_000,
            BaseFee = 7,
            Difficulty = 0x20000,
            PrevRandao = Hash256.Parse("0x" + new string('a', 64)),
            BlobBaseFee = 1,
        };
        Tx = new TransactionEnvironment { Origin = Sender, GasPrice = 10 };
        State.SetAccount(Sender, UInt256.Parse("1000000000000000000"));
    }

    public MetisVm NewVm(IEvmTracer? tracer = null, VmTier tier = VmTier.Interpreter)
    {
        PrecompileTable precompiles = PrecompileTable.ForFork(Fork);
        State.WarmAccount(Sender);
        State.WarmAccount(Contract);
        foreach (Address p in precompiles.Addresses)
        {
            State.WarmAccount(p);
        }

        if (Fork >= Fork.Shanghai)
        {
            State.WarmAccount(Coinbase);
        }

        return new MetisVm(State, Block, Tx, precompiles, tracer) { Tier = tier };
    }

    /// <summary>Deploys <paramref name="code"/> at <see cref="Contract"/> and calls it.</summary>
    public ExecutionResult Run(byte[] code, long gas = 1_000_000, byte[]? input = null, UInt256 value = default, IEvmTracer? tracer = null, VmTier tier = VmTier.Interpreter)
    {
        State.SetAccount(Contract, State.GetBalance(Contract), code, nonce: 1);
        return NewVm(tracer, tier).Call(Sender, Contract, value, input ?? [], gas);
    }

    /// <summary>Runs code that ends by returning one word and gives that word.</summary>
    public UInt256 Eval(Bytecode code)
    {
        ExecutionResult r = Run(code.ReturnTop());
        Assert.True(r.Success, r.Error);
        return UInt256.FromBigEndian(r.Output.Span);
    }
}
