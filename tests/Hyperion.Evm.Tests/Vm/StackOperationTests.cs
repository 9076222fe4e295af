using Hyperion.Core;
using Hyperion.Evm.Compiled;
using Hyperion.Evm.Interpreter;

namespace Hyperion.Evm.Tests.Vm;

/// <summary>
/// DUPn and SWAPn for every n, by the interpreter loop (which dispatches them directly, taking n from the opcode byte)
/// and by the compiled tier (which calls the handlers that read n from the code): both must agree with the EVM.
/// </summary>
public class StackOperationTests
{
    public static TheoryData<int, VmTier> Depths()
    {
        var data = new TheoryData<int, VmTier>();
        for (int n = 1; n <= 16; n++)
        {
            data.Add(n, VmTier.Interpreter);
            data.Add(n, VmTier.CompiledAlways);
        }

        return data;
    }

    /// <summary>The values 1..17 on the stack, 17 on top.</summary>
    private static Bytecode SeventeenItems()
    {
        var code = new Bytecode();
        for (int value = 1; value <= 17; value++)
        {
            code.Push(value);
        }

        return code;
    }

    private static UInt256 Top(Bytecode code, VmTier tier)
    {
        var vm = new VmHarness();
        ExecutionResult result = vm.Run(code.ReturnTop(), tier: tier);
        Assert.True(result.Success);
        return UInt256.FromBigEndian(result.Output.Span);
    }

    [Theory]
    [MemberData(nameof(Depths))]
    public void DupCopiesTheNthItem(int n, VmTier tier)
    {
        Assert.Equal(new UInt256((ulong)(18 - n)), Top(SeventeenItems().Op((Opcode)((int)Opcode.DUP1 + n - 1)), tier));
    }

    [Theory]
    [MemberData(nameof(Depths))]
    public void SwapExchangesTheTopWithTheItemBelowTheNth(int n, VmTier tier)
    {
        var swap = (Opcode)((int)Opcode.SWAP1 + n - 1);
        Assert.Equal(new UInt256((ulong)(17 - n)), Top(SeventeenItems().Op(swap), tier));

        Bytecode popped = SeventeenItems().Op(swap);
        for (int i = 0; i < n; i++)
        {
            popped.Op(Opcode.POP);
        }

        Assert.Equal(new UInt256(17), Top(popped, tier));
    }
}
