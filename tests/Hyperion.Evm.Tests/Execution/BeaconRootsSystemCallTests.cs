using System.Text;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Execution.Blocks;
using Hyperion.Execution.Specs;
using Hyperion.State.World;
using static Hyperion.Evm.Tests.Execution.Parallel.ParallelExecutorPropertyTests;

namespace Hyperion.Evm.Tests.Execution;

/// <summary>
/// EIP-4788's system call done natively (<see cref="SystemContracts.TryStoreBeaconRoot"/>) against the canonical
/// contract run in the EVM: the same change set (the contract touched, the two slots written, a zero root deleting its
/// slot) and the same state root, over empty and filled ring slots; any other code is left to the EVM.
/// </summary>
public sealed class BeaconRootsSystemCallTests
{
    private static readonly ChainSpec Cancun = ChainSpec.AllActiveFrom(1, Hardfork.Cancun);
    private static readonly Hash256 SomeRoot = Hash256.Parse("0x00a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f");

    private static InMemoryStateReader Parent(byte[] code, ulong filledTimestamp, UInt256 filledRoot)
    {
        var pre = new InMemoryStateReader();
        pre.SetAccount(SystemContracts.BeaconRootsAddress, 1, UInt256.Zero, code);
        pre.SetAccount(Addr(0xc0), 0, new UInt256(1), []);
        if (filledTimestamp != 0)
        {
            pre.SetStorage(SystemContracts.BeaconRootsAddress, new UInt256(filledTimestamp % 8191), new UInt256(filledTimestamp));
            pre.SetStorage(SystemContracts.BeaconRootsAddress, new UInt256(filledTimestamp % 8191 + 8191), filledRoot);
        }

        return pre;
    }

    private static BlockHeader CancunHeader(ulong timestamp, Hash256 beaconRoot) => new()
    {
        ParentHash = Hash256.Zero,
        Beneficiary = Addr(0xc0),
        Number = 1,
        Timestamp = timestamp,
        GasLimit = 30_000_000,
        BaseFeePerGas = new UInt256(7),
        ParentBeaconBlockRoot = beaconRoot,
        ExcessBlobGas = 0,
        BlobGasUsed = 0,
    };

    /// <summary>The change set in words, and the state root it gives over a copy of <paramref name="pre"/>.</summary>
    private static string Outcome(InMemoryStateReader pre, WorldState state)
    {
        StateChangeSet changes = state.CollectChanges();
        var text = new StringBuilder();
        foreach (AccountChange change in changes.Accounts)
        {
            text.Append($"{change.Address} deleted={change.Deleted} nonce={change.Nonce} balance={change.Balance} code={change.CodeHash} cleared={change.StorageCleared}:");
            foreach ((UInt256 key, UInt256 value) in change.Storage)
            {
                text.Append($" {key}={value}");
            }

            text.AppendLine();
        }

        InMemoryStateReader after = pre.Clone();
        after.Apply(changes);
        return text.Append($"root {after.ComputeStateRoot()}").ToString();
    }

    [Theory]
    [InlineData(1000UL, 0UL, false)] // empty ring slots
    [InlineData(1000UL + 8191 * 3, 1000UL, false)] // both ring slots hold an older timestamp and root
    [InlineData(1000UL + 8191 * 3, 1000UL, true)] // a zero root over an older one: its slot is deleted
    [InlineData(8191UL * 7, 8191UL * 2, false)] // index 0
    [InlineData(ulong.MaxValue, ulong.MaxValue - 8191, false)]
    public void Native_store_equals_the_canonical_contract_in_the_EVM(ulong timestamp, ulong filledTimestamp, bool zeroRoot)
    {
        byte[] code = SystemContracts.BeaconRootsCode.ToArray();
        InMemoryStateReader pre = Parent(code, filledTimestamp, UInt256.FromBigEndian(SomeRoot.Bytes) + new UInt256(5));
        Hash256 root = zeroRoot ? Hash256.Zero : SomeRoot;
        var executor = new BlockExecutor(Cancun);
        BlockHeader header = CancunHeader(timestamp, root);
        BlockEnvironment environment = executor.Environment(header, null);

        var inEvm = new WorldState(pre);
        BlockExecutor.SystemCall(inEvm, environment, executor.Precompiles.For(environment.Fork), SystemContracts.BeaconRootsAddress, root.ToArray());
        var native = new WorldState(pre);
        Assert.True(SystemContracts.TryStoreBeaconRoot(native, timestamp, root));

        string expected = Outcome(pre, inEvm);
        Assert.Contains($"{new UInt256(timestamp % 8191)}={new UInt256(timestamp)}", expected); // the EVM path did store
        Assert.Equal(expected, Outcome(pre, native));
    }

    [Fact]
    public void Other_code_at_the_address_is_left_to_the_EVM()
    {
        // The canonical code with one more STOP: the same behaviour, another code hash — not the contract stood in for.
        byte[] code = [.. SystemContracts.BeaconRootsCode.ToArray(), 0x00];
        InMemoryStateReader pre = Parent(code, 0, UInt256.Zero);
        var state = new WorldState(pre);
        Assert.False(SystemContracts.TryStoreBeaconRoot(state, 1000, SomeRoot));
        Assert.Empty(state.CollectChanges().Accounts);

        // The block executor then runs it in the EVM: the ring slots are written all the same.
        var executor = new BlockExecutor(Cancun);
        BlockHeader header = CancunHeader(1000, SomeRoot);
        BlockExecution execution = executor.Execute(new BlockInput(header, []), pre, BlockExecutionMode.Build);
        AccountChange contract = Assert.Single(execution.Changes.Accounts, a => a.Address == SystemContracts.BeaconRootsAddress);
        Assert.Contains(new KeyValuePair<UInt256, UInt256>(new UInt256(1000 + 8191), UInt256.FromBigEndian(SomeRoot.Bytes)), contract.Storage);
    }
}
