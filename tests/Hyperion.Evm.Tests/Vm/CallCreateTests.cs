using System.Globalization;
using Hyperion.Core;
using Hyperion.Evm.Interpreter;
using Hyperion.Evm.Tracing;

namespace Hyperion.Evm.Tests.Vm;

public class CallCreateTests
{
    [Fact]
    public void RevertReturnsGasAndDataAndUndoesState()
    {
        var vm = new VmHarness();
        byte[] code = new Bytecode().Store(1, 7).Push(0xbeef).Push(0).Op(Opcode.MSTORE).Push(2).Push(30).Op(Opcode.REVERT);
        ExecutionResult r = vm.Run(code, 100_000);
        Assert.False(r.Success);
        Assert.True(r.Reverted);
        Assert.Equal("execution reverted", r.Error);
        Assert.Equal(new byte[] { 0xbe, 0xef }, r.Output.ToArray());
        Assert.Equal(100_000 - (6 + 22100 + 6 + 6 + 6), r.GasLeft);
        Assert.Equal(UInt256.Zero, vm.State.GetStorage(VmHarness.Contract, 1));
    }

    // The first case jumps into PUSH2 data that happens to be 0x5b.
    [Theory]
    [InlineData(new byte[] { 0x60, 0x04, 0x56, 0x61, 0x5b, 0x00 }, "invalid jump destination")]
    [InlineData(new byte[] { 0x60, 0x03, 0x56, 0x00 }, "invalid jump destination")]
    [InlineData(new byte[] { 0x60, 0x02, 0x56, 0x5b }, "invalid jump destination")]
    [InlineData(new byte[] { 0x01 }, "stack underflow")]
    [InlineData(new byte[] { 0xfe }, "invalid opcode")]
    [InlineData(new byte[] { 0x0c }, "invalid opcode")]
    [InlineData(new byte[] { 0x60, 0x00, 0x3e }, "stack underflow")]
    public void ExceptionalHaltsConsumeAllGas(byte[] code, string error)
    {
        var vm = new VmHarness();
        ExecutionResult r = vm.Run(code, 50_000);
        Assert.False(r.Success);
        Assert.False(r.Reverted);
        Assert.Equal(0, r.GasLeft);
        Assert.Equal(error, r.Error);
    }

    [Fact]
    public void ValidJumpAndJumpi()
    {
        var vm = new VmHarness();
        // 0: PUSH1 1, 2: PUSH1 7, 4: JUMPI, 5: INVALID, 6: INVALID, 7: JUMPDEST, PUSH1 42, return it.
        byte[] code = new Bytecode().Push(1).Push(7).Op(Opcode.JUMPI).Op(Opcode.INVALID).Op(Opcode.INVALID).Op(Opcode.JUMPDEST).Push(42).ReturnTop();
        Assert.Equal((byte)Opcode.JUMPDEST, code[7]);
        ExecutionResult r = vm.Run(code);
        Assert.True(r.Success, r.Error);
        Assert.Equal((UInt256)42, UInt256.FromBigEndian(r.Output.Span));
    }

    [Fact]
    public void StackOverflowAt1025Items()
    {
        var vm = new VmHarness();
        byte[] ok = [.. Enumerable.Repeat((byte)Opcode.PUSH0, 1024)];
        Assert.True(vm.Run(ok, 1_000_000).Success);
        ExecutionResult r = vm.Run([.. ok, (byte)Opcode.PUSH0], 1_000_000);
        Assert.Equal("stack limit reached 1024", r.Error);
    }

    [Fact]
    public void Push0AndCancunOpcodesAreUndefinedOnOlderForks()
    {
        Assert.Equal("invalid opcode", new VmHarness(Fork.Paris).Run([(byte)Opcode.PUSH0]).Error);
        Assert.Equal("invalid opcode", new VmHarness(Fork.Shanghai).Run([0x5f, (byte)Opcode.TLOAD]).Error);
        Assert.Equal("invalid opcode", new VmHarness(Fork.Berlin).Run([(byte)Opcode.BASEFEE]).Error);
    }

    [Fact]
    public void BlockAndTransactionValues()
    {
        var vm = new VmHarness();
        Assert.Equal((UInt256)1000, vm.Eval(new Bytecode().Op(Opcode.NUMBER)));
        Assert.Equal((UInt256)7, vm.Eval(new Bytecode().Op(Opcode.BASEFEE)));
        Assert.Equal((UInt256)10, vm.Eval(new Bytecode().Op(Opcode.GASPRICE)));
        Assert.Equal((UInt256)1, vm.Eval(new Bytecode().Op(Opcode.CHAINID)));
        Assert.Equal(UInt256.Parse("0x" + new string('a', 64)), vm.Eval(new Bytecode().Op(Opcode.PREVRANDAO)));
        Assert.Equal((UInt256)0x20000, new VmHarness(Fork.London).Eval(new Bytecode().Op(Opcode.PREVRANDAO)));
        Assert.Equal(UInt256.FromBigEndian(VmHarness.Sender.Bytes), vm.Eval(new Bytecode().Op(Opcode.ORIGIN)));
        Assert.Equal(UInt256.FromBigEndian(VmHarness.Coinbase.Bytes), vm.Eval(new Bytecode().Op(Opcode.COINBASE)));
        Assert.Equal(UInt256.Zero, vm.Eval(new Bytecode().Push(0).Op(Opcode.BLOBHASH)));
        Assert.Equal(UInt256.Zero, vm.Eval(new Bytecode().Push(1000).Op(Opcode.BLOCKHASH)));
    }

    [Fact]
    public void CallDataLoadPadsWithZeros()
    {
        var vm = new VmHarness();
        ExecutionResult r = vm.Run(new Bytecode().Push(1).Op(Opcode.CALLDATALOAD).ReturnTop(), input: [0x11, 0x22, 0x33]);
        Assert.Equal(UInt256.Parse("0x2233000000000000000000000000000000000000000000000000000000000000"), UInt256.FromBigEndian(r.Output.Span));
    }

    [Fact]
    public void MemoryOpsAndMcopy()
    {
        var vm = new VmHarness();
        // MSTORE 0x..ff at 0, MCOPY 32 bytes from 0 to 1, MLOAD 0 → 0x00..00ff shifted: byte 31 moves to 32.
        UInt256 v = vm.Eval(new Bytecode().Push(0xff).Push(0).Op(Opcode.MSTORE).Push(32).Push(0).Push(1).Op(Opcode.MCOPY).Push(1).Op(Opcode.MLOAD));
        Assert.Equal((UInt256)0xff, v);
        Assert.Equal((UInt256)64, vm.Eval(new Bytecode().Push(0xff).Push(33).Op(Opcode.MSTORE8).Op(Opcode.MSIZE)));
    }

    [Fact]
    public void TransientStorageRoundTrip()
    {
        var vm = new VmHarness();
        Assert.Equal((UInt256)9, vm.Eval(new Bytecode().Push(9).Push(1).Op(Opcode.TSTORE).Push(1).Op(Opcode.TLOAD)));
    }

    [Fact]
    public void NestedCallReturnsDataAndReturnDataCopyChecksBounds()
    {
        var vm = new VmHarness();
        vm.State.SetAccount(VmHarness.Other, 0, new Bytecode().Push(0x77).ReturnTop());
        // CALL Other, then RETURNDATASIZE.
        var call = new Bytecode().Push(0).Push(0).Push(0).Push(0).Push(0).Push(VmHarness.Other).Op(Opcode.GAS).Op(Opcode.CALL).Op(Opcode.POP);
        Assert.Equal((UInt256)32, vm.Eval(new Bytecode().Raw(call).Op(Opcode.RETURNDATASIZE)));
        // RETURNDATACOPY 32 bytes to 0 then MLOAD.
        Assert.Equal((UInt256)0x77, vm.Eval(new Bytecode().Raw(call).Push(32).Push(0).Push(0).Op(Opcode.RETURNDATACOPY).Push(0).Op(Opcode.MLOAD)));
        ExecutionResult r = vm.Run(new Bytecode().Raw(call).Push(33).Push(0).Push(0).Op(Opcode.RETURNDATACOPY));
        Assert.Equal("return data out of bounds", r.Error);
    }

    [Fact]
    public void StaticCallForbidsStateChanges()
    {
        var vm = new VmHarness();
        vm.State.SetAccount(VmHarness.Other, 0, new Bytecode().Store(0, 1));
        var code = new Bytecode().Push(0).Push(0).Push(0).Push(0).Push(VmHarness.Other).Op(Opcode.GAS).Op(Opcode.STATICCALL);
        Assert.Equal(UInt256.Zero, vm.Eval(code));
        Assert.Equal(UInt256.Zero, vm.State.GetStorage(VmHarness.Other, 0));
    }

    [Fact]
    public void DelegateCallRunsCalleeCodeInCallerStorage()
    {
        var vm = new VmHarness();
        vm.State.SetAccount(VmHarness.Other, 0, new Bytecode().Store(3, 4).Op(Opcode.CALLER).ReturnTop());
        var code = new Bytecode().Push(32).Push(0).Push(0).Push(0).Push(VmHarness.Other).Op(Opcode.GAS).Op(Opcode.DELEGATECALL).Op(Opcode.POP).Push(0).Op(Opcode.MLOAD);
        Assert.Equal(UInt256.FromBigEndian(VmHarness.Sender.Bytes), vm.Eval(code));
        Assert.Equal((UInt256)4, vm.State.GetStorage(VmHarness.Contract, 3));
        Assert.Equal(UInt256.Zero, vm.State.GetStorage(VmHarness.Other, 3));
    }

    [Fact]
    public void FailedChildIsRevertedButParentContinues()
    {
        var vm = new VmHarness();
        vm.State.SetAccount(VmHarness.Other, 0, new Bytecode().Store(0, 1).Op(Opcode.INVALID));
        var code = new Bytecode().Push(0).Push(0).Push(0).Push(0).Push(0).Push(VmHarness.Other).Push(50_000).Op(Opcode.CALL);
        ExecutionResult r = vm.Run(new Bytecode().Raw(code).ReturnTop(), 100_000);
        Assert.True(r.Success);
        Assert.Equal(UInt256.Zero, UInt256.FromBigEndian(r.Output.Span));
        Assert.Equal(UInt256.Zero, vm.State.GetStorage(VmHarness.Other, 0));
        // The child's 50000 gas is gone: 7 pushes, warm 100 + cold 2500, 50000, and the return's 15.
        Assert.Equal(100_000 - 21 - 2600 - 50_000 - 15, r.GasLeft);
    }

    [Fact]
    public void CreateDeploysCodeAtTheNonceAddress()
    {
        var vm = new VmHarness();
        byte[] runtime = new Bytecode().Push(0x99).ReturnTop();
        byte[] init = Bytecode.Deployer(runtime);
        // Put init code in memory with CODECOPY-free MSTOREs: store it via calldata instead.
        var code = new Bytecode().Op(Opcode.CALLDATASIZE).Push(0).Push(0).Op(Opcode.CALLDATACOPY)
            .Op(Opcode.CALLDATASIZE).Push(0).Push(0).Op(Opcode.CREATE);
        ExecutionResult r = vm.Run(new Bytecode().Raw(code).ReturnTop(), input: init);
        Assert.True(r.Success, r.Error);
        Address created = ContractAddress.From(VmHarness.Contract, 1);
        Assert.Equal(UInt256.FromBigEndian(created.Bytes), UInt256.FromBigEndian(r.Output.Span));
        Assert.Equal(runtime, vm.State.GetCode(created));
        Assert.Equal(1UL, vm.State.GetNonce(created));
        Assert.Equal(2UL, vm.State.GetNonce(VmHarness.Contract));
    }

    [Fact]
    public void Create2UsesTheSaltAddressAndRejectsEfCode()
    {
        var vm = new VmHarness();
        byte[] init = Bytecode.Deployer([0x00]);
        var code = new Bytecode().Op(Opcode.CALLDATASIZE).Push(0).Push(0).Op(Opcode.CALLDATACOPY)
            .Push(0x5a17).Op(Opcode.CALLDATASIZE).Push(0).Push(0).Op(Opcode.CREATE2);
        ExecutionResult r = vm.Run(new Bytecode().Raw(code).ReturnTop(), input: init);
        Address expected = ContractAddress.FromSalt(VmHarness.Contract, 0x5a17, init);
        Assert.Equal(UInt256.FromBigEndian(expected.Bytes), UInt256.FromBigEndian(r.Output.Span));

        var ef = new VmHarness();
        ExecutionResult bad = ef.Run(new Bytecode().Raw(code).ReturnTop(), input: Bytecode.Deployer([0xef]));
        Assert.Equal(UInt256.Zero, UInt256.FromBigEndian(bad.Output.Span));
        Assert.Equal(2UL, ef.State.GetNonce(VmHarness.Contract));
    }

    [Fact]
    public void TopLevelCreateDepositsCodeAndChargesPerByte()
    {
        var vm = new VmHarness();
        Address target = ContractAddress.From(VmHarness.Sender, 0);
        byte[] runtime = [0x60, 0x01, 0x00];
        ExecutionResult r = vm.NewVm().Create(VmHarness.Sender, target, 5, Bytecode.Deployer(runtime), 100_000);
        Assert.True(r.Success, r.Error);
        Assert.Equal(runtime, vm.State.GetCode(target));
        Assert.Equal((UInt256)5, vm.State.GetBalance(target));
        // Deployer: PUSH2 3, DUP1 3, PUSH1 3, PUSH1 3, CODECOPY 3+3+3 (1 word copy, 1 word memory), PUSH1 3, RETURN; deposit 3·200.
        Assert.Equal(100_000 - (3 + 3 + 3 + 3 + 9 + 3) - 600, r.GasLeft);
    }

    [Fact]
    public void TopLevelCreateCollisionConsumesAllGas()
    {
        var vm = new VmHarness();
        Address target = ContractAddress.From(VmHarness.Sender, 0);
        vm.State.SetAccount(target, 0, nonce: 1);
        ExecutionResult r = vm.NewVm().Create(VmHarness.Sender, target, 0, Bytecode.Deployer([0x00]), 100_000);
        Assert.False(r.Success);
        Assert.Equal(0, r.GasLeft);
        Assert.Equal("contract address collision", r.Error);
    }

    [Fact]
    public void SelfDestructInCancunOnlyMovesBalanceOfAnOldContract()
    {
        var vm = new VmHarness();
        vm.State.SetAccount(VmHarness.Contract, 50);
        ExecutionResult r = vm.Run(new Bytecode().Push(VmHarness.Other).Op(Opcode.SELFDESTRUCT));
        Assert.True(r.Success, r.Error);
        Assert.Equal((UInt256)50, vm.State.GetBalance(VmHarness.Other));
        Assert.Equal(UInt256.Zero, vm.State.GetBalance(VmHarness.Contract));
        Assert.False(vm.State.IsSelfDestructed(VmHarness.Contract));
        // Cold beneficiary 2600 + new account 25000 + 5000 + push 3.
        Assert.Equal(1_000_000 - 32_603, r.GasLeft);

        var london = new VmHarness(Fork.London);
        london.State.SetAccount(VmHarness.Contract, 50);
        Assert.True(london.Run(new Bytecode().Push(VmHarness.Other).Op(Opcode.SELFDESTRUCT)).Success);
        Assert.True(london.State.IsSelfDestructed(VmHarness.Contract));
        Assert.Equal(0, london.State.Refund);

        var berlin = new VmHarness(Fork.Berlin);
        Assert.True(berlin.Run(new Bytecode().Push(VmHarness.Other).Op(Opcode.SELFDESTRUCT)).Success);
        Assert.Equal(24000, berlin.State.Refund);
    }

    [Fact]
    public void LogsRecordTopicsAndDataAndAreForbiddenInStaticFrames()
    {
        var vm = new VmHarness();
        ExecutionResult r = vm.Run(new Bytecode().Push(0xab).Push(0).Op(Opcode.MSTORE8).Push(0x1234).Push(1).Push(0).Op(Opcode.LOG1));
        Assert.True(r.Success, r.Error);
        Hyperion.Core.Log log = Assert.Single(vm.State.Logs);
        Assert.Equal(VmHarness.Contract, log.Address);
        Assert.Equal(new byte[] { 0xab }, log.Data.ToArray());
        Assert.Equal((UInt256)0x1234, UInt256.FromBigEndian(log.Topics[0].Bytes));
        // PUSH×2 6, MSTORE8 3 + memory 3, PUSH×3 9, LOG1 375 + 375 + 8.
        Assert.Equal(1_000_000 - (6 + 6 + 9 + 758), r.GasLeft);
    }

    [Fact]
    public void RecursionStopsAtDepth1024()
    {
        var vm = new VmHarness();
        // counter++ in transient storage, call self with all gas, then return the counter.
        var code = new Bytecode().Push(0).Op(Opcode.TLOAD).Push(1).Op(Opcode.ADD).Push(0).Op(Opcode.TSTORE)
            .Push(0).Push(0).Push(0).Push(0).Push(0).Op(Opcode.ADDRESS).Op(Opcode.GAS).Op(Opcode.CALL).Op(Opcode.POP)
            .Push(0).Op(Opcode.TLOAD).ReturnTop();
        ExecutionResult r = vm.Run(code, 1_000_000_000_000_000);
        Assert.True(r.Success, r.Error);
        // Frames at depths 0…1024 run; the one at 1024 cannot call further.
        Assert.Equal((UInt256)1025, UInt256.FromBigEndian(r.Output.Span));
    }

    [Fact]
    public void CallChainOf1024FramesNeedsNoDeepThreadStack()
    {
        // The frame loop keeps nested frames off the C# stack: 1025 frames (depths 0…1024) run on a thread whose
        // 256 KiB stack a recursive interpreter would overflow many times over.
        var vm = new VmHarness();
        var code = new Bytecode().Push(0).Op(Opcode.SLOAD).Push(1).Op(Opcode.ADD).Push(0).Op(Opcode.SSTORE)
            .Push(0).Push(0).Push(0).Push(0).Push(0).Op(Opcode.ADDRESS).Op(Opcode.GAS).Op(Opcode.CALL)
            .Push(0).Op(Opcode.SLOAD).ReturnTop();
        ExecutionResult r = default;
        var thread = new Thread(() => r = vm.Run(code, 1_000_000_000_000_000), 256 * 1024);
        thread.Start();
        thread.Join();
        Assert.True(r.Success, r.Error);
        Assert.Equal((UInt256)1025, UInt256.FromBigEndian(r.Output.Span));
        Assert.Equal((UInt256)1025, vm.State.GetStorage(VmHarness.Contract, 0));
    }

    [Fact]
    public void CreateChainUpToTheDepthLimit()
    {
        // Init code that copies itself into memory and CREATEs a copy of itself, then stops: each level goes one
        // frame deeper until depth 1024, where CREATE fails softly; every level's contract is deployed (empty code).
        var vm = new VmHarness();
        var initCode = new Bytecode().Op(Opcode.CODESIZE).Push(0).Push(0).Op(Opcode.CODECOPY)
            .Op(Opcode.CODESIZE).Push(0).Push(0).Op(Opcode.CREATE).Op(Opcode.STOP);
        byte[] init = initCode;
        vm.State.SetAccount(VmHarness.Other, 0, init, nonce: 1);
        var caller = new Bytecode().Push(init.Length).Push(0).Push(0).Push(VmHarness.Other).Op(Opcode.EXTCODECOPY)
            .Push(init.Length).Push(0).Push(0).Op(Opcode.CREATE).ReturnTop();
        ExecutionResult r = vm.Run(caller, 1_000_000_000_000_000);
        Assert.True(r.Success, r.Error);
        Address first = ContractAddress.From(VmHarness.Contract, 1);
        Assert.Equal(first, new Address(r.Output.Span[12..]));

        // Follow the chain: each created contract has nonce 2 (it created the next), the last one nonce 1.
        int length = 1;
        Address current = first;
        while (vm.State.GetNonce(current) == 2)
        {
            current = ContractAddress.From(current, 1);
            length++;
        }

        Assert.Equal(1024, length);
        Assert.Equal(1UL, vm.State.GetNonce(current));
    }

    [Fact]
    public void PrecompileCallRunsNativeCode()
    {
        var vm = new VmHarness();
        // identity (0x04) on 32 bytes of calldata.
        var code = new Bytecode().Op(Opcode.CALLDATASIZE).Push(0).Push(0).Op(Opcode.CALLDATACOPY)
            .Push(32).Push(32).Push(32).Push(0).Push(4).Op(Opcode.GAS).Op(Opcode.STATICCALL).Op(Opcode.POP).Push(32).Op(Opcode.MLOAD);
        byte[] input = new UInt256(0x1122).ToBigEndian();
        ExecutionResult r = vm.Run(new Bytecode().Raw(code).ReturnTop(), input: input);
        Assert.True(r.Success, r.Error);
        Assert.Equal((UInt256)0x1122, UInt256.FromBigEndian(r.Output.Span));
    }

    [Fact]
    public void JsonTracerWritesEip3155Lines()
    {
        var vm = new VmHarness();
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        var tracer = new JsonLinesTracer(writer);
        vm.Run(new Bytecode().Push(1).Push(2).Op(Opcode.ADD).Op(Opcode.INVALID), 100, tracer: tracer);
        tracer.OnTransactionEnd([], 100, "invalid opcode");
        string[] lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, lines.Length);
        Assert.Equal("{\"pc\":0,\"op\":96,\"gas\":\"0x64\",\"gasCost\":\"0x3\",\"memSize\":0,\"stack\":[],\"depth\":1,\"refund\":0,\"opName\":\"PUSH1\"}", lines[0]);
        Assert.Equal("{\"pc\":4,\"op\":1,\"gas\":\"0x5e\",\"gasCost\":\"0x3\",\"memSize\":0,\"stack\":[\"0x1\",\"0x2\"],\"depth\":1,\"refund\":0,\"opName\":\"ADD\"}", lines[2]);
        Assert.Contains("\"error\":\"invalid opcode\"", lines[3], StringComparison.Ordinal);
        Assert.StartsWith("{\"output\":\"0x\",\"gasUsed\":\"0x64\"", lines[4], StringComparison.Ordinal);
    }

    [Fact]
    public void JsonTracerReportsTheFullCostOfEachInstruction()
    {
        var vm = new VmHarness();
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        var tracer = new JsonLinesTracer(writer);
        var code = new Bytecode()
            .Store(0, 1) // cold slot, zero to non-zero: 2,100 + 20,000
            .Push(0x20).Push(0).Op(Opcode.MSTORE) // 3 + one word of memory (3)
            .Push(0).Push(0).Push(0).Push(0).Push(0).Push(VmHarness.Other).Push(1000).Op(Opcode.CALL) // cold account 2,600 + 1,000 handed over
            .Op(Opcode.STOP);
        ExecutionResult r = vm.Run(code, 100_000, tracer: tracer);
        Assert.True(r.Success, r.Error);
        tracer.Flush();
        var costs = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement)
            .Select(e => (Op: e.GetProperty("opName").GetString(), Cost: Convert.ToInt64(e.GetProperty("gasCost").GetString(), 16)))
            .ToList();
        Assert.Equal(22_100, costs.Single(c => c.Op == "SSTORE").Cost);
        Assert.Equal(6, costs.Single(c => c.Op == "MSTORE").Cost);
        Assert.Equal(3_600, costs.Single(c => c.Op == "CALL").Cost);
        Assert.Equal(0, costs.Single(c => c.Op == "STOP").Cost);
    }
}
