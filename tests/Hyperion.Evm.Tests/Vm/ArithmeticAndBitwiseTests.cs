using Hyperion.Core;
using Hyperion.Evm.Interpreter;

namespace Hyperion.Evm.Tests.Vm;

public class ArithmeticAndBitwiseTests
{
    private const string Max = "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
    private const string MinusTwo = "0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe";

    /// <summary>Runs <c>b a OP</c> (so a is the top of the stack, the first operand) and returns the result.</summary>
    [Theory]
    [InlineData(Opcode.ADD, "1", "2", "3")]
    [InlineData(Opcode.ADD, Max, "1", "0")]
    [InlineData(Opcode.SUB, "0", "1", Max)]
    [InlineData(Opcode.SUB, "10", "4", "6")]
    [InlineData(Opcode.MUL, Max, "2", MinusTwo)]
    [InlineData(Opcode.DIV, "7", "2", "3")]
    [InlineData(Opcode.DIV, "7", "0", "0")]
    [InlineData(Opcode.SDIV, MinusTwo, "2", Max)]
    [InlineData(Opcode.MOD, "7", "0", "0")]
    [InlineData(Opcode.MOD, "7", "4", "3")]
    [InlineData(Opcode.SMOD, MinusTwo, "3", MinusTwo)]
    [InlineData(Opcode.EXP, "2", "255", "0x8000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData(Opcode.EXP, "3", "0", "1")]
    [InlineData(Opcode.SIGNEXTEND, "0", "0xff", Max)]
    [InlineData(Opcode.SIGNEXTEND, "0", "0x7f", "0x7f")]
    [InlineData(Opcode.LT, "1", "2", "1")]
    [InlineData(Opcode.GT, "1", "2", "0")]
    [InlineData(Opcode.SLT, Max, "0", "1")]
    [InlineData(Opcode.SGT, Max, "0", "0")]
    [InlineData(Opcode.EQ, "5", "5", "1")]
    [InlineData(Opcode.AND, "12", "10", "8")]
    [InlineData(Opcode.OR, "12", "10", "14")]
    [InlineData(Opcode.XOR, "12", "10", "6")]
    [InlineData(Opcode.BYTE, "31", "0x1234", "0x34")]
    [InlineData(Opcode.BYTE, "32", "0x1234", "0")]
    [InlineData(Opcode.SHL, "4", "1", "16")]
    [InlineData(Opcode.SHL, "256", "1", "0")]
    [InlineData(Opcode.SHR, "4", "0x100", "0x10")]
    [InlineData(Opcode.SAR, "4", Max, Max)]
    [InlineData(Opcode.SAR, "300", MinusTwo, Max)]
    public void BinaryOperation(Opcode op, string a, string b, string expected)
    {
        var vm = new VmHarness();
        UInt256 result = vm.Eval(new Bytecode().Push(UInt256.Parse(b)).Push(UInt256.Parse(a)).Op(op));
        Assert.Equal(UInt256.Parse(expected), result);
    }

    [Theory]
    [InlineData(Opcode.ADDMOD, "10", "10", "8", "4")]
    [InlineData(Opcode.ADDMOD, Max, "2", "3", "2")]
    [InlineData(Opcode.MULMOD, Max, Max, "12", "9")]
    [InlineData(Opcode.MULMOD, "5", "5", "0", "0")]
    public void TernaryOperation(Opcode op, string a, string b, string n, string expected)
    {
        var vm = new VmHarness();
        UInt256 result = vm.Eval(new Bytecode().Push(UInt256.Parse(n)).Push(UInt256.Parse(b)).Push(UInt256.Parse(a)).Op(op));
        Assert.Equal(UInt256.Parse(expected), result);
    }

    [Fact]
    public void UnaryOperations()
    {
        var vm = new VmHarness();
        Assert.Equal(UInt256.One, vm.Eval(new Bytecode().Push(0).Op(Opcode.ISZERO)));
        Assert.Equal(UInt256.Zero, vm.Eval(new Bytecode().Push(3).Op(Opcode.ISZERO)));
        Assert.Equal(UInt256.MaxValue, vm.Eval(new Bytecode().Push(0).Op(Opcode.NOT)));
    }

    [Fact]
    public void StackManipulation()
    {
        var vm = new VmHarness();
        Assert.Equal((UInt256)1, vm.Eval(new Bytecode().Push(1).Push(2).Push(3).Op(Opcode.DUP1 + 2)));
        Assert.Equal((UInt256)1, vm.Eval(new Bytecode().Push(1).Push(2).Push(3).Op(Opcode.SWAP1 + 1)));
        Assert.Equal((UInt256)2, vm.Eval(new Bytecode().Push(1).Push(2).Push(3).Op(Opcode.POP)));
        // PUSH2 cut off by the end of code reads the missing byte as zero: 0x1200.
        var truncated = new VmHarness();
        ExecutionResult r = truncated.Run([0x61, 0x12]);
        Assert.True(r.Success);
    }
}

public class PushTests
{
    /// <summary>
    /// PUSH1–PUSH32 of random immediates after 0..40 filler bytes: before offset 32 (read by the short path) and
    /// after it (read as a 32-byte window with the bytes before the immediate masked off), the top of the stack is the
    /// immediate and nothing before it leaks in.
    /// </summary>
    [Fact]
    public void Push_of_every_length_at_every_offset_gives_the_immediate()
    {
        var vm = new VmHarness();
        var random = new Random(15);
        for (int length = 1; length <= 32; length++)
        {
            foreach (int filler in new[] { 0, 1, 5, 30, 31, 32, 33, 40 })
            {
                var immediate = new byte[length];
                random.NextBytes(immediate);
                var code = new Bytecode();
                for (int i = 0; i < filler; i++)
                {
                    code.Op(Opcode.JUMPDEST); // 0x5b: non-zero bytes before the immediate
                }

                code.Raw((byte)((int)Opcode.PUSH1 + length - 1)).Raw(immediate);
                Assert.Equal(UInt256.FromBigEndian(immediate), vm.Eval(code));
            }
        }
    }
}
