using Hyperion.Core;
using Hyperion.Evm.Interpreter;

namespace Hyperion.Evm.Tests.Vm;

/// <summary>A tiny assembler for test programs.</summary>
internal sealed class Bytecode
{
    private readonly List<byte> _bytes = [];

    public int Length => _bytes.Count;

    public Bytecode Op(Opcode op)
    {
        _bytes.Add((byte)op);
        return this;
    }

    public Bytecode Raw(params byte[] bytes)
    {
        _bytes.AddRange(bytes);
        return this;
    }

    /// <summary>The shortest PUSHn of <paramref name="value"/> (PUSH1 for zero, so it works before Shanghai).</summary>
    public Bytecode Push(UInt256 value)
    {
        int length = Math.Max(1, value.ByteLength);
        _bytes.Add((byte)((int)Opcode.PUSH1 + length - 1));
        byte[] full = value.ToBigEndian();
        _bytes.AddRange(full[(32 - length)..]);
        return this;
    }

    public Bytecode Push(Address address)
    {
        _bytes.Add((byte)((int)Opcode.PUSH1 + 19));
        _bytes.AddRange(address.ToArray());
        return this;
    }

    /// <summary>Stores <paramref name="value"/> at slot <paramref name="key"/>.</summary>
    public Bytecode Store(UInt256 key, UInt256 value) => Push(value).Push(key).Op(Opcode.SSTORE);

    /// <summary>MSTOREs the top of the stack at 0 and RETURNs those 32 bytes.</summary>
    public Bytecode ReturnTop() => Push(0).Op(Opcode.MSTORE).Push(32).Push(0).Op(Opcode.RETURN);

    /// <summary>Init code that deploys <paramref name="runtime"/> (copied with CODECOPY from behind the prefix).</summary>
    public static byte[] Deployer(byte[] runtime)
    {
        // PUSH2 len, DUP1, PUSH1 offset, PUSH1 0, CODECOPY, PUSH1 0, RETURN  = 12 bytes
        var code = new Bytecode()
            .Raw((byte)Opcode.PUSH1 + 1, (byte)(runtime.Length >> 8), (byte)runtime.Length)
            .Op(Opcode.DUP1)
            .Raw((byte)Opcode.PUSH1, 12)
            .Push(0)
            .Op(Opcode.CODECOPY)
            .Push(0)
            .Op(Opcode.RETURN);
        return [.. code.ToArray(), .. runtime];
    }

    public byte[] ToArray() => [.. _bytes];

    public static implicit operator byte[](Bytecode code) => code.ToArray();
}
