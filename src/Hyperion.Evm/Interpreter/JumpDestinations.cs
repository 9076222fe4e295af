namespace Hyperion.Evm.Interpreter;

/// <summary>
/// The valid JUMP targets of a piece of code: offsets holding JUMPDEST that are not inside PUSH data. One bit per
/// code byte, computed once per code (deployed code keeps it in its <see cref="CodeEntry"/>).
/// </summary>
public sealed class JumpDestinations
{
    private readonly ulong[] _bits;
    private readonly int _codeLength;

    private JumpDestinations(ulong[] bits, int codeLength)
    {
        _bits = bits;
        _codeLength = codeLength;
    }

    /// <summary>True when <paramref name="offset"/> is a JUMPDEST opcode (not push data) within the code.</summary>
    public bool IsValid(ulong offset) =>
        offset < (ulong)_codeLength && (_bits[(int)(offset >> 6)] & (1UL << (int)(offset & 63))) != 0;

    /// <summary>Scans <paramref name="code"/>, skipping PUSH1–PUSH32 immediates.</summary>
    public static JumpDestinations Analyze(ReadOnlySpan<byte> code)
    {
        var bits = new ulong[(code.Length + 63) >> 6];
        int pc = 0;
        while (pc < code.Length)
        {
            byte op = code[pc];
            if (op == (byte)Opcode.JUMPDEST)
            {
                bits[pc >> 6] |= 1UL << (pc & 63);
                pc++;
            }
            else if (op >= (byte)Opcode.PUSH1 && op <= (byte)Opcode.PUSH32)
            {
                pc += op - (byte)Opcode.PUSH1 + 2;
            }
            else
            {
                pc++;
            }
        }

        return new JumpDestinations(bits, code.Length);
    }
}
