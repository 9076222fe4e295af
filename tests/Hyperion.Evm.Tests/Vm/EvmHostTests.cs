using Hyperion.Core;
using Hyperion.Evm.Interpreter;
using Hyperion.Evm.Precompiles;

namespace Hyperion.Evm.Tests.Vm;

/// <summary>MetisVM over a host that is not the world state: every read and write the code makes goes through IEvmHost.</summary>
public class EvmHostTests
{
    [Fact]
    public void InterpreterReadsAndWritesOnlyThroughTheHost()
    {
        var harness = new VmHarness();
        // SSTORE(1, BLOCKHASH(999)); return SLOAD(1).
        byte[] code = new Bytecode().Push(999).Op(Opcode.BLOCKHASH).Push(1).Op(Opcode.SSTORE).Push(1).Op(Opcode.SLOAD).ReturnTop();
        harness.State.SetAccount(VmHarness.Contract, UInt256.Zero, code, nonce: 1);
        var host = new RecordingHost(new WorldStateHost(harness.State, harness.Block, harness.Tx));
        var vm = new MetisVm(host, PrecompileTable.ForFork(Fork.Cancun));

        ExecutionResult r = vm.Call(VmHarness.Sender, VmHarness.Contract, UInt256.Zero, ReadOnlyMemory<byte>.Empty, 100_000);

        Assert.True(r.Success, r.Error);
        Assert.Equal(RecordingHost.Hash999, new Hash256(r.Output.Span));
        Assert.Equal([999UL], host.BlockHashRequests);
        Assert.Equal(1, host.StorageWrites);
        Assert.Equal(EvmWords.FromHash(RecordingHost.Hash999), harness.State.GetStorage(VmHarness.Contract, 1));
    }

    /// <summary>A host that answers BLOCKHASH itself and counts storage writes, passing everything else on.</summary>
    private sealed class RecordingHost(IEvmHost inner) : IEvmHost
    {
        public static readonly Hash256 Hash999 = Hash256.Parse("0x" + new string('9', 64));

        public List<ulong> BlockHashRequests { get; } = [];

        public int StorageWrites { get; private set; }

        public Hash256 GetBlockHash(ulong number)
        {
            BlockHashRequests.Add(number);
            return number == 999 ? Hash999 : Hash256.Zero;
        }

        public void SetStorage(in Address address, in UInt256 key, in UInt256 value)
        {
            StorageWrites++;
            inner.SetStorage(address, key, value);
        }

        public BlockEnvironment Block => inner.Block;
        public TransactionEnvironment Transaction => inner.Transaction;
        public long Refund => inner.Refund;
        public bool AccountExists(in Address address) => inner.AccountExists(address);
        public bool IsDeadAccount(in Address address) => inner.IsDeadAccount(address);
        public UInt256 GetBalance(in Address address) => inner.GetBalance(address);
        public ulong GetNonce(in Address address) => inner.GetNonce(address);
        public void SetNonce(in Address address, ulong nonce) => inner.SetNonce(address, nonce);
        public Hash256 GetCodeHash(in Address address) => inner.GetCodeHash(address);
        public byte[] GetCode(in Address address) => inner.GetCode(address);
        public void SetCode(in Address address, byte[] code) => inner.SetCode(address, code);
        public void CreateAccount(in Address address) => inner.CreateAccount(address);
        public void AddBalance(in Address address, in UInt256 amount) => inner.AddBalance(address, amount);
        public void SubtractBalance(in Address address, in UInt256 amount) => inner.SubtractBalance(address, amount);
        public UInt256 GetStorage(in Address address, in UInt256 key) => inner.GetStorage(address, key);
        public UInt256 GetOriginalStorage(in Address address, in UInt256 key) => inner.GetOriginalStorage(address, key);
        public bool HasStorage(in Address address) => inner.HasStorage(address);
        public UInt256 GetTransientStorage(in Address address, in UInt256 key) => inner.GetTransientStorage(address, key);
        public void SetTransientStorage(in Address address, in UInt256 key, in UInt256 value) => inner.SetTransientStorage(address, key, value);
        public bool WarmAccount(in Address address) => inner.WarmAccount(address);
        public bool WarmStorage(in Address address, in UInt256 key) => inner.WarmStorage(address, key);
        public void AddLog(Log log) => inner.AddLog(log);
        public void AddRefund(long amount) => inner.AddRefund(amount);
        public void SubtractRefund(long amount) => inner.SubtractRefund(amount);
        public bool MarkSelfDestructed(in Address address) => inner.MarkSelfDestructed(address);
        public bool IsSelfDestructed(in Address address) => inner.IsSelfDestructed(address);
        public bool IsCreatedInTransaction(in Address address) => inner.IsCreatedInTransaction(address);
        public int TakeSnapshot() => inner.TakeSnapshot();
        public void RevertToSnapshot(int snapshot) => inner.RevertToSnapshot(snapshot);
    }
}
