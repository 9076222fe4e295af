using System.Runtime.CompilerServices;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Evm.Interpreter;
using Hyperion.Evm.Precompiles;
using Hyperion.Evm.Tracing;
using Hyperion.State;

namespace Hyperion.Evm;

/// <summary>
/// MetisVM: executes the message call or contract creation of one transaction against an <see cref="IWorldState"/>.
/// The transaction handler does everything around it (intrinsic gas, nonce, fees, warming the access list, refunds,
/// paying the coinbase); the VM does the frames: value transfer, precompiles, code execution, nested calls and
/// creates, and reverting a failed frame's state changes.
/// </summary>
/// <remarks>One instance per transaction; not thread-safe.</remarks>
public sealed partial class MetisVm
{
    /// <summary>Code analysis shared by every VM: code is immutable once deployed, so its jump table never changes.</summary>
    private static readonly JumpDestinationCache SharedJumpDestinations = new();

    /// <summary>Stack size given to the helper thread used when deep call recursion nears the end of the current stack.</summary>
    private const int DeepCallThreadStackSize = 256 * 1024 * 1024;

    private readonly IWorldState _state;
    private readonly BlockEnvironment _block;
    private readonly TransactionEnvironment _tx;
    private readonly PrecompileTable _precompiles;
    private readonly IEvmTracer? _tracer;

    // Gas left before the traced instruction, and whether its full cost is still to be reported (tracing only).
    private long _traceStepGas;
    private bool _traceCostPending;
    private readonly Fork _fork;
    private readonly InstructionTable _instructions;

    public MetisVm(IWorldState state, BlockEnvironment block, TransactionEnvironment tx, PrecompileTable precompiles, IEvmTracer? tracer = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(precompiles);
        _state = state;
        _block = block;
        _tx = tx;
        _precompiles = precompiles;
        _tracer = tracer;
        _fork = block.Fork;
        _instructions = InstructionTable.For(block.Fork);
    }

    /// <summary>
    /// Top-level message call: value transfer caller→to (touching <paramref name="to"/>), then the precompile or the
    /// code at <paramref name="to"/>; every state change is reverted when it fails.
    /// </summary>
    public ExecutionResult Call(Address caller, Address to, in UInt256 value, ReadOnlyMemory<byte> input, long gas)
    {
        var message = new Message(MessageKind.Call, caller, to, to, value, input, gas, IsStatic: false, Depth: 0);
        return ToResult(ExecuteMessage(message));
    }

    /// <summary>
    /// Top-level creation at <paramref name="contractAddress"/> (the handler derived it and bumped the sender's
    /// nonce): collision check, new account with nonce 1, value transfer, init code, code deposit.
    /// </summary>
    public ExecutionResult Create(Address caller, Address contractAddress, in UInt256 value, ReadOnlyMemory<byte> initCode, long gas)
    {
        if (initCode.Length > GasCost.MaxInitCodeSize && _fork >= Fork.Shanghai)
        {
            return ToResult(Fail(EvmError.MaxInitCodeSizeExceeded));
        }

        _state.WarmAccount(contractAddress);
        return ToResult(ExecuteCreate(caller, contractAddress, value, initCode, gas, depth: 0));
    }

    private static ExecutionResult ToResult(in FrameResult r) =>
        new(r.Error == EvmError.None, r.Error == EvmError.Revert, r.GasLeft, r.Output, EvmErrors.Message(r.Error));

    private static FrameResult Fail(EvmError error) => new(error, 0, ReadOnlyMemory<byte>.Empty);

    /// <summary>Runs a call frame (any of CALL, CALLCODE, DELEGATECALL, STATICCALL, or the transaction's call).</summary>
    private FrameResult ExecuteMessage(in Message m)
    {
        if (_tracer is not ICallFrameTracer frames)
        {
            return ExecuteMessageUntraced(m);
        }

        string type = m.Kind switch
        {
            MessageKind.CallCode => "CALLCODE",
            MessageKind.DelegateCall => "DELEGATECALL",
            MessageKind.StaticCall => "STATICCALL",
            _ => "CALL",
        };
        frames.OnEnter(type, m.Caller, m.Address, m.Value, m.Input.Span, m.Gas, m.Depth);
        FrameResult result = ExecuteMessageUntraced(m);
        frames.OnExit(m.Gas - result.GasLeft, result.Output.Span, EvmErrors.Message(result.Error), result.Error == EvmError.Revert);
        return result;
    }

    private FrameResult ExecuteMessageUntraced(in Message m)
    {
        bool isPrecompile = _precompiles.TryGet(m.CodeAddress, out IPrecompile? precompile);
        if (m.Kind == MessageKind.Call && m.Value.IsZero && !isPrecompile && !_state.Exists(m.Address))
        {
            // EIP-161: a zero-value call to a missing account creates and touches nothing.
            return new FrameResult(EvmError.None, m.Gas, ReadOnlyMemory<byte>.Empty);
        }

        if (m.Kind == MessageKind.Call && !m.Value.IsZero && _state.GetBalance(m.Caller) < m.Value)
        {
            return new FrameResult(EvmError.InsufficientBalance, m.Gas, ReadOnlyMemory<byte>.Empty);
        }

        int snapshot = _state.TakeSnapshot();
        if (m.Kind is MessageKind.Call or MessageKind.CallCode)
        {
            if (!m.Value.IsZero)
            {
                _state.SubtractBalance(m.Caller, m.Value);
            }

            _state.AddBalance(m.Address, m.Value);
        }
        else if (m.Kind == MessageKind.StaticCall)
        {
            // Like geth: a zero-value balance change, only to touch the callee (EIP-161).
            _state.AddBalance(m.Address, UInt256.Zero);
        }

        FrameResult result;
        if (isPrecompile)
        {
            result = RunPrecompile(precompile!, m.Input, m.Gas);
        }
        else
        {
            byte[] code = _state.GetCode(m.CodeAddress);
            if (code.Length == 0)
            {
                return new FrameResult(EvmError.None, m.Gas, ReadOnlyMemory<byte>.Empty);
            }

            JumpDestinations jumps = SharedJumpDestinations.Get(_state.GetCodeHash(m.CodeAddress), code);
            result = Run(m, code, jumps);
        }

        if (result.Error != EvmError.None)
        {
            _state.RevertToSnapshot(snapshot);
        }

        return result;
    }

    private FrameResult RunPrecompile(IPrecompile precompile, ReadOnlyMemory<byte> input, long gas)
    {
        if (precompile is IStatefulPrecompile stateful)
        {
            var context = new PrecompileStateView(_state);
            long needed = stateful.RequiredGas(input.Span, context);
            if (needed > gas)
            {
                return Fail(EvmError.OutOfGas);
            }

            return stateful.TryRun(input.Span, context, out byte[] result)
                ? new FrameResult(EvmError.None, gas - needed, result)
                : Fail(EvmError.PrecompileFailed);
        }

        long required = precompile.RequiredGas(input.Span);
        if (required > gas)
        {
            return Fail(EvmError.OutOfGas);
        }

        return precompile.TryRun(input.Span, out byte[] output)
            ? new FrameResult(EvmError.None, gas - required, output)
            : Fail(EvmError.PrecompileFailed);
    }

    /// <summary>What a stateful precompile may see of the world state: storage reads only.</summary>
    private sealed class PrecompileStateView(IWorldState state) : IPrecompileContext
    {
        public UInt256 GetStorage(in Address address, in UInt256 key) => state.GetStorage(address, key);
    }

    /// <summary>
    /// A creation whose address is known and whose checks (depth, balance, creator nonce bump, warming) are done:
    /// collision check, init code, code deposit.
    /// </summary>
    private FrameResult ExecuteCreate(in Address caller, in Address address, in UInt256 value, ReadOnlyMemory<byte> initCode, long gas, int depth)
    {
        if (_tracer is not ICallFrameTracer frames)
        {
            return ExecuteCreateUntraced(caller, address, value, initCode, gas, depth);
        }

        frames.OnEnter("CREATE", caller, address, value, initCode.Span, gas, depth);
        FrameResult result = ExecuteCreateUntraced(caller, address, value, initCode, gas, depth);
        frames.OnExit(gas - result.GasLeft, result.Output.Span, EvmErrors.Message(result.Error), result.Error == EvmError.Revert);
        return result;
    }

    private FrameResult ExecuteCreateUntraced(in Address caller, in Address address, in UInt256 value, ReadOnlyMemory<byte> initCode, long gas, int depth)
    {
        Hash256 existingCodeHash = _state.GetCodeHash(address);
        if (_state.GetNonce(address) != 0 || (!existingCodeHash.IsZero && existingCodeHash != Keccak256.OfEmpty) || _state.HasStorage(address))
        {
            return Fail(EvmError.ContractAddressCollision);
        }

        int snapshot = _state.TakeSnapshot();
        _state.CreateAccount(address);
        _state.SetNonce(address, 1);
        if (!value.IsZero)
        {
            _state.SubtractBalance(caller, value);
        }

        _state.AddBalance(address, value);

        FrameResult result;
        if (initCode.Length == 0)
        {
            result = new FrameResult(EvmError.None, gas, ReadOnlyMemory<byte>.Empty);
        }
        else
        {
            var message = new Message(MessageKind.Create, caller, address, address, value, ReadOnlyMemory<byte>.Empty, gas, IsStatic: false, depth);
            result = Run(message, initCode, JumpDestinations.Analyze(initCode.Span));
        }

        if (result.Error == EvmError.None)
        {
            ReadOnlySpan<byte> code = result.Output.Span;
            EvmError depositError = EvmError.None;
            long depositCost = code.Length * GasCost.CodeDeposit;
            if (code.Length > GasCost.MaxCodeSize)
            {
                depositError = EvmError.MaxCodeSizeExceeded;
            }
            else if (code.Length > 0 && code[0] == 0xEF && _fork >= Fork.London)
            {
                depositError = EvmError.InvalidCodePrefix;
            }
            else if (depositCost > result.GasLeft)
            {
                depositError = EvmError.OutOfGas;
            }

            if (depositError == EvmError.None)
            {
                _state.SetCode(address, code.ToArray());
                result = new FrameResult(EvmError.None, result.GasLeft - depositCost, result.Output);
            }
            else
            {
                result = Fail(depositError);
            }
        }

        if (result.Error != EvmError.None)
        {
            _state.RevertToSnapshot(snapshot);
        }

        return result;
    }

    /// <summary>
    /// Runs a nested frame, moving to a thread with a large stack when deep call recursion (up to 1024 frames) nears
    /// the end of the current one. Deterministic either way; only very deep call chains pay for the thread.
    /// </summary>
    private FrameResult ExecuteNested(in Message m)
    {
        if (RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            return ExecuteMessage(m);
        }

        Message copy = m;
        return OnDeepStackThread(() => ExecuteMessage(copy));
    }

    private FrameResult ExecuteCreateNested(Address caller, Address address, UInt256 value, ReadOnlyMemory<byte> initCode, long gas, int depth)
    {
        if (RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            return ExecuteCreate(caller, address, value, initCode, gas, depth);
        }

        return OnDeepStackThread(() => ExecuteCreate(caller, address, value, initCode, gas, depth));
    }

    /// <summary>Runs a frame on a large-stack thread; an exception (e.g. an unavailable precompile) is rethrown here.</summary>
    private static FrameResult OnDeepStackThread(Func<FrameResult> frame)
    {
        FrameResult result = default;
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? failure = null;
        var thread = new Thread(
            () =>
            {
                try
                {
                    result = frame();
                }
                catch (Exception e)
                {
                    failure = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
                }
            },
            DeepCallThreadStackSize);
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    private enum MessageKind : byte
    {
        Call,
        CallCode,
        DelegateCall,
        StaticCall,
        Create,
    }

    /// <summary>
    /// One frame's context. <see cref="Address"/> is whose storage and balance the code acts on;
    /// <see cref="CodeAddress"/> is where the code comes from (they differ for CALLCODE and DELEGATECALL).
    /// </summary>
    private readonly record struct Message(
        MessageKind Kind,
        Address Caller,
        Address Address,
        Address CodeAddress,
        UInt256 Value,
        ReadOnlyMemory<byte> Input,
        long Gas,
        bool IsStatic,
        int Depth);

    private readonly record struct FrameResult(EvmError Error, long GasLeft, ReadOnlyMemory<byte> Output);
}
