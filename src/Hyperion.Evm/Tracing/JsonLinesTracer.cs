using System.Globalization;
using System.Text;
using Hyperion.Core;
using Hyperion.Evm.Interpreter;

namespace Hyperion.Evm.Tracing;

/// <summary>
/// EIP-3155 tracer: one JSON object per instruction
/// (<c>{"pc":0,"op":96,"gas":"0x…","gasCost":"0x3","memSize":0,"stack":[],"depth":1,"refund":0,"opName":"PUSH1"}</c>),
/// with an <c>"error"</c> member on the instruction that failed, then a summary line per transaction.
/// </summary>
public sealed class JsonLinesTracer(TextWriter writer) : IEvmTracer
{
    private readonly TextWriter _writer = writer ?? throw new ArgumentNullException(nameof(writer));
    private readonly StringBuilder _pending = new();
    private int _gasCostAt;
    private long _gasCost;

    public void OnStep(int pc, byte opcode, long gas, long gasCost, long memorySize, ReadOnlySpan<UInt256> stack, int depth, long refund)
    {
        Flush();
        CultureInfo inv = CultureInfo.InvariantCulture;
        _pending.Append(inv, $"{{\"pc\":{pc},\"op\":{opcode},\"gas\":\"0x{gas:x}\",");
        _gasCostAt = _pending.Length;
        _gasCost = gasCost;
        _pending.Append(inv, $"\"memSize\":{memorySize},\"stack\":[");
        for (int i = 0; i < stack.Length; i++)
        {
            if (i > 0)
            {
                _pending.Append(',');
            }

            _pending.Append('"').Append(stack[i].ToHexString()).Append('"');
        }

        _pending.Append(inv, $"],\"depth\":{depth},\"refund\":{refund},\"opName\":\"{OpcodeTable.NameOf(opcode)}\"");
    }

    public void OnStepCost(long gasCost) => _gasCost = gasCost;

    public void OnFault(string error)
    {
        if (_pending.Length != 0)
        {
            _pending.Append(",\"error\":\"").Append(Escape(error)).Append('"');
        }

        Flush();
    }

    /// <summary>Writes the per-transaction summary line (<c>{"output":"…","gasUsed":"0x…","error":…}</c>).</summary>
    public void OnTransactionEnd(ReadOnlySpan<byte> output, long gasUsed, string? error)
    {
        Flush();
        _writer.Write("{\"output\":\"");
        _writer.Write(Hex.Encode(output));
        _writer.Write(string.Create(CultureInfo.InvariantCulture, $"\",\"gasUsed\":\"0x{gasUsed:x}\""));
        if (error is not null)
        {
            _writer.Write(",\"error\":\"");
            _writer.Write(Escape(error));
            _writer.Write('"');
        }

        _writer.WriteLine('}');
        _writer.Flush();
    }

    /// <summary>Writes the last pending instruction line.</summary>
    public void Flush()
    {
        if (_pending.Length == 0)
        {
            return;
        }

        _pending.Insert(_gasCostAt, string.Create(CultureInfo.InvariantCulture, $"\"gasCost\":\"0x{_gasCost:x}\","));
        _pending.Append('}');
        _writer.WriteLine(_pending.ToString());
        _pending.Clear();
    }

    private static string Escape(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
