using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Evm.Compiled;
using Hyperion.Evm.Interpreter;
using Hyperion.Evm.Precompiles;
using Hyperion.Evm.Tracing;
using Hyperion.State;

namespace Hyperion.Evm;

/// <summary>
/// MetisVM: executes the message call or contract creation of one transaction against an <see cref="IEvmHost"/>.
/// The transaction handler does everything around it (intrinsic gas, nonce, fees, warming the access list, refunds,
/// paying the coinbase); the VM does the frames: value transfer, precompiles, code execution, nested calls and
/// creates, and reverting a failed frame's state changes.
/// </summary>
/// <remarks>
/// Nested calls do not recurse on the C# stack: a CALL or CREATE instruction leaves the interpreter with the child's
/// message, the frame loop (<see cref="Execute"/>) pushes the child frame, and when a frame ends the loop pops it and
/// resumes its parent with the result. One instance runs one message at a time (a block's transactions on one
/// thread may share one, see <see cref="ForTransaction"/>); not thread-safe.
/// </remarks>
public sealed partial class MetisVm
{
    internal readonly IEvmHost Host;
    internal readonly Fork Fork;
    internal readonly IEvmTracer? Tracer;
    private readonly PrecompileTable _precompiles;
    private readonly ICallFrameTracer? _frameTracer;
    private readonly InstructionTable _instructions;

    // Frames by depth (index 0 is the transaction's), reused across the transaction's calls; taken from the thread's
    // spare set when a message starts and given back when it ends (see TakeFrames).
    private EvmFrame[] _frames = [];
    private int _frameCount;

    /// <summary>
    /// The frames this thread's last finished message ran in, released (a released frame is as a new one): a block's
    /// transactions, each on a VM of its own, reuse one set per thread instead of a frame array, frames and memories
    /// each. A message started while another runs on this thread (a VM inside a VM's host) finds none and makes its own.
    /// </summary>
    [ThreadStatic]
    private static EvmFrame[]? t_spareFrames;

    /// <summary>Spare frames kept per thread: depths beyond are rare, and their frames are garbage when they end.</summary>
    private const int MaxSpareFrames = 64;

    /// <summary>Stops the run when cancelled (see <see cref="EvmAbort"/>): checked at taken jumps and new frames.</summary>
    internal readonly CancellationToken Abort = EvmAbort.Current;

    /// <summary>Whether frames run interpreted or compiled (<see cref="VmTiers.Default"/> unless set); a traced VM always interprets.</summary>
    public VmTier Tier { get; init; } = VmTiers.Default;

    /// <summary>Calls after which code counts as hot and is compiled in the background (<see cref="VmTier.Compiled"/>).</summary>
    public const long HotCallThreshold = 32;

    /// <summary>MetisVM over <paramref name="host"/>.</summary>
    public MetisVm(IEvmHost host, PrecompileTable precompiles, IEvmTracer? tracer = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(precompiles);
        Host = host;
        _precompiles = precompiles;
        _frameTracer = tracer as ICallFrameTracer;
        Tracer = _frameTracer is { WatchesInstructions: false } ? null : tracer; // frames only: the fast loop
        Fork = host.Block.Fork;
        _instructions = InstructionTable.For(Fork);
    }

    /// <summary>MetisVM executing directly on <paramref name="state"/> (through a <see cref="WorldStateHost"/>).</summary>
    public MetisVm(IWorldState state, BlockEnvironment block, TransactionEnvironment tx, PrecompileTable precompiles, IEvmTracer? tracer = null)
        : this(new WorldStateHost(state, block, tx), precompiles, tracer)
    {
    }

    /// <summary>
    /// A VM for <paramref name="tx"/> on <paramref name="state"/>: this thread's last one when that ran on the same state,
    /// block and precompiles, with the same tracer watching frames only (the address index's collector) or none, under
    /// the same abort token and tier, and is not running (its host is pointed at <paramref name="tx"/>); otherwise a new
    /// one. A block's transactions on one world state then share a VM and its host instead of making both per
    /// transaction. Whatever a VM keeps between messages is released when its message ends.
    /// </summary>
    public static MetisVm ForTransaction(IWorldState state, BlockEnvironment block, TransactionEnvironment tx, PrecompileTable precompiles, IEvmTracer? tracer = null)
    {
        bool framesOnly = tracer is null or ICallFrameTracer { WatchesInstructions: false };
        if (framesOnly && t_lastVm is { _frameCount: 0, Host: WorldStateHost host } last
            && ReferenceEquals(host.State, state) && ReferenceEquals(host.Block, block) && ReferenceEquals(last._precompiles, precompiles)
            && ReferenceEquals(last._frameTracer, tracer) && last.Tier == VmTiers.Default && last.Abort == EvmAbort.Current)
        {
            host.Next(tx);
            return last;
        }

        var vm = new MetisVm(state, block, tx, precompiles, tracer);
        if (framesOnly)
        {
            t_lastVm = vm;
        }

        return vm;
    }

    [ThreadStatic]
    private static MetisVm? t_lastVm;

    /// <summary>
    /// Top-level message call: value transfer caller→to (touching <paramref name="to"/>), then the precompile or the
    /// code at <paramref name="to"/>; every state change is reverted when it fails.
    /// </summary>
    public ExecutionResult Call(Address caller, Address to, in UInt256 value, ReadOnlyMemory<byte> input, long gas) =>
        ToResult(Execute(new Message(FrameKind.Call, caller, to, to, value, input, gas, IsStatic: false, Depth: 0)));

    /// <summary>
    /// Top-level creation at <paramref name="contractAddress"/> (the handler derived it and bumped the sender's
    /// nonce): collision check, new account with nonce 1, value transfer, init code, code deposit.
    /// </summary>
    public ExecutionResult Create(Address caller, Address contractAddress, in UInt256 value, ReadOnlyMemory<byte> initCode, long gas)
    {
        if (initCode.Length > GasCost.MaxInitCodeSize && Fork >= Fork.Shanghai)
        {
            return ToResult(FrameResult.Failed(EvmError.MaxInitCodeSizeExceeded));
        }

        Host.WarmAccount(contractAddress);
        return ToResult(Execute(new Message(FrameKind.Create, caller, contractAddress, contractAddress, value, initCode, gas, IsStatic: false, Depth: 0)));
    }

    private static ExecutionResult ToResult(in FrameResult r) =>
        new(r.Error == EvmError.None, r.Error == EvmError.Revert, r.GasLeft, r.Output, EvmErrors.Message(r.Error));

    /// <summary>
    /// The frame loop: runs the top frame until it ends or asks for a child; a child either finishes at once
    /// (precompile, no code, failed checks) or is pushed; an ended frame is popped and its parent resumed.
    /// </summary>
    private FrameResult Execute(in Message top)
    {
        if (_frameCount != 0)
        {
            throw new InvalidOperationException("MetisVm runs one message at a time");
        }

        if (_frames.Length == 0 && t_spareFrames is { } spare)
        {
            t_spareFrames = null;
            _frames = spare;
        }

        try
        {
            FrameResult result;
            if (!TryStart(top, out result))
            {
                return result;
            }

            while (true)
            {
                EvmFrame frame = _frames[_frameCount - 1];
                StepResult end = Tracer is not null ? Interpret<TracingOn>(frame)
                    : frame.Compiled is not null ? RunCompiled(frame)
                    : Interpret<TracingOff>(frame);
                if (end == StepResult.ChildFrame)
                {
                    if (!TryStart(frame.Pending, out result))
                    {
                        Resume(frame, result);
                    }

                    continue;
                }

                result = Finish(frame, end);
                frame.Release();
                _frameCount--;
                if (_frameCount == 0)
                {
                    return result;
                }

                Resume(_frames[_frameCount - 1], result);
            }
        }
        finally
        {
            // Only reached with frames still active when something threw (e.g. an unavailable precompile).
            while (_frameCount > 0)
            {
                _frames[--_frameCount].Release();
            }

            if (t_spareFrames is null && _frames.Length != 0)
            {
                if (_frames.Length > MaxSpareFrames)
                {
                    Array.Resize(ref _frames, MaxSpareFrames);
                }

                t_spareFrames = _frames;
                _frames = [];
            }
        }
    }

    /// <summary>
    /// Starts the frame of <paramref name="m"/>: checks, snapshot, value transfer, then either a pushed frame (true)
    /// or a result right away (false): a precompile, an account without code, a creation that failed its checks.
    /// </summary>
    private bool TryStart(in Message m, out FrameResult result)
    {
        if (_frameTracer is { } frames)
        {
            // As geth reports frames: a DELEGATECALL or CALLCODE goes from the calling frame's account (a DELEGATECALL's
            // message keeps the caller of that frame as its sender) to the account whose code runs, not to the account
            // it runs on.
            Address from = m.Kind == FrameKind.DelegateCall ? m.Address : m.Caller;
            Address to = m.Kind is FrameKind.DelegateCall or FrameKind.CallCode ? m.CodeAddress : m.Address;
            frames.OnEnter(CallFrameTypes.Of(m.Kind), from, to, m.Value, m.Input.Span, m.Gas, m.Depth);
        }

        if (Abort.IsCancellationRequested)
        {
            result = FrameResult.Failed(EvmError.Aborted);
            TraceExit(m, result);
            return false;
        }

        bool pushed = m.IsCreate ? TryStartCreate(m, out result) : TryStartCall(m, out result);
        if (!pushed)
        {
            TraceExit(m, result);
        }

        return pushed;
    }

    private bool TryStartCall(in Message m, out FrameResult result)
    {
        bool isPrecompile = _precompiles.TryGet(m.CodeAddress, out IPrecompile? precompile);
        if (m.Kind == FrameKind.Call && m.Value.IsZero && !isPrecompile && !Host.AccountExists(m.Address))
        {
            // EIP-161: a zero-value call to a missing account creates and touches nothing.
            result = FrameResult.Succeeded(m.Gas);
            return false;
        }

        if (m.Kind == FrameKind.Call && !m.Value.IsZero && Host.GetBalance(m.Caller) < m.Value)
        {
            result = new FrameResult(EvmError.InsufficientBalance, m.Gas, ReadOnlyMemory<byte>.Empty);
            return false;
        }

        int snapshot = Host.TakeSnapshot();
        if (m.Kind is FrameKind.Call or FrameKind.CallCode)
        {
            if (!m.Value.IsZero)
            {
                Host.SubtractBalance(m.Caller, m.Value);
            }

            Host.AddBalance(m.Address, m.Value);
        }
        else if (m.Kind == FrameKind.StaticCall)
        {
            // Like geth: a zero-value balance change, only to touch the callee (EIP-161).
            Host.AddBalance(m.Address, UInt256.Zero);
        }

        if (isPrecompile)
        {
            result = RunPrecompile(precompile!, m.Input, m.Gas);
            if (result.Error != EvmError.None)
            {
                Host.RevertToSnapshot(snapshot);
            }

            return false;
        }

        byte[] code = Host.GetCode(m.CodeAddress);
        if (code.Length == 0)
        {
            result = FrameResult.Succeeded(m.Gas);
            return false;
        }

        CodeEntry entry = CodeCache.Shared.Get(Host.GetCodeHash(m.CodeAddress), code);
        long calls = entry.CountCall();
        CompiledContract? compiled = Tracer is not null ? null : Tier switch
        {
            VmTier.CompiledAlways => entry.CompileNow(Fork),
            VmTier.Compiled when calls >= HotCallThreshold => entry.CompiledOrQueue(Fork),
            _ => null,
        };
        Push(m, entry.Code, entry.JumpDestinations, snapshot, compiled);
        result = default;
        return true;
    }

    private FrameResult RunPrecompile(IPrecompile precompile, ReadOnlyMemory<byte> input, long gas)
    {
        long required;
        bool ok;
        byte[] output;
        if (precompile is IStatefulPrecompile stateful)
        {
            required = stateful.RequiredGas(input.Span, Host);
            if (required > gas)
            {
                return FrameResult.Failed(EvmError.OutOfGas);
            }

            ok = stateful.TryRun(input.Span, Host, out output);
            if (!ok && output.Length > 0)
            {
                return new FrameResult(EvmError.Revert, gas - required, output);
            }
        }
        else
        {
            required = precompile.RequiredGas(input.Span);
            if (required > gas)
            {
                return FrameResult.Failed(EvmError.OutOfGas);
            }

            ok = precompile.TryRun(input.Span, out output);
        }

        return ok ? new FrameResult(EvmError.None, gas - required, output) : FrameResult.Failed(EvmError.PrecompileFailed);
    }

    /// <summary>
    /// A creation whose address is known and whose checks (depth, balance, creator nonce bump, warming) are done:
    /// collision check, new account, value transfer, then the init code frame (or, for empty init code, the deposit).
    /// </summary>
    private bool TryStartCreate(in Message m, out FrameResult result)
    {
        Hash256 existingCodeHash = Host.GetCodeHash(m.Address);
        if (Host.GetNonce(m.Address) != 0 || (!existingCodeHash.IsZero && existingCodeHash != Keccak256.OfEmpty) || Host.HasStorage(m.Address))
        {
            result = FrameResult.Failed(EvmError.ContractAddressCollision);
            return false;
        }

        int snapshot = Host.TakeSnapshot();
        Host.CreateAccount(m.Address);
        Host.SetNonce(m.Address, 1);
        if (!m.Value.IsZero)
        {
            Host.SubtractBalance(m.Caller, m.Value);
        }

        Host.AddBalance(m.Address, m.Value);
        if (m.Input.Length == 0)
        {
            result = DepositCode(m.Address, FrameResult.Succeeded(m.Gas), snapshot);
            return false;
        }

        // Init code runs once: compiled only when every frame must be.
        CodeEntry initCode = CodeEntry.ForInitCode(m.Input);
        CompiledContract? compiled = Tier == VmTier.CompiledAlways && Tracer is null ? initCode.CompileNow(Fork) : null;
        Push(m with { Input = ReadOnlyMemory<byte>.Empty }, initCode.Code, initCode.JumpDestinations, snapshot, compiled);
        result = default;
        return true;
    }

    private void Push(in Message m, ReadOnlyMemory<byte> code, JumpDestinations jumps, int snapshot, CompiledContract? compiled)
    {
        if (_frameCount == _frames.Length)
        {
            Array.Resize(ref _frames, Math.Max(4, _frames.Length * 2));
        }

        EvmFrame frame = _frames[_frameCount] ??= new EvmFrame();
        frame.Start(m, code, jumps, snapshot);
        frame.Compiled = compiled;
        _frameCount++;
    }

    /// <summary>
    /// Runs the frame's compiled code from its saved registers; when the code hands the frame back (a block's stack
    /// or gas check failed, so the frame is about to fail at an exact instruction), the interpreter finishes it.
    /// </summary>
    private StepResult RunCompiled(EvmFrame frame)
    {
        var c = new InstructionContext(this, frame);
        StepResult result = frame.Compiled!.Run(ref c);
        frame.Pc = c.Pc;
        frame.Sp = c.Sp;
        frame.Gas = c.Gas;
        if (result != StepResult.Interpret)
        {
            return result;
        }

        frame.Compiled = null;
        return Interpret<TracingOff>(frame);
    }

    /// <summary>The result of a frame whose interpreter stopped with <paramref name="end"/>: code deposit for a creation, revert on failure.</summary>
    private FrameResult Finish(EvmFrame frame, StepResult end)
    {
        FrameResult result = end switch
        {
            StepResult.Stop => new FrameResult(EvmError.None, frame.Gas, frame.Output),
            StepResult.Revert => new FrameResult(EvmError.Revert, frame.Gas, frame.Output),
            _ => FrameResult.Failed((EvmError)end),
        };
        if (frame.Message.IsCreate)
        {
            result = DepositCode(frame.Message.Address, result, frame.Snapshot);
        }
        else if (result.Error != EvmError.None)
        {
            Host.RevertToSnapshot(frame.Snapshot);
        }

        TraceExit(frame.Message, result);
        return result;
    }

    /// <summary>After init code: EIP-170 size limit, EIP-3541 0xEF prefix, the deposit cost; reverts the creation when any of it fails.</summary>
    private FrameResult DepositCode(in Address address, FrameResult result, int snapshot)
    {
        if (result.Error == EvmError.None)
        {
            ReadOnlySpan<byte> code = result.Output.Span;
            long depositCost = code.Length * GasCost.CodeDeposit;
            EvmError depositError = EvmError.None;
            if (code.Length > GasCost.MaxCodeSize)
            {
                depositError = EvmError.MaxCodeSizeExceeded;
            }
            else if (code.Length > 0 && code[0] == 0xEF && Fork >= Fork.London)
            {
                depositError = EvmError.InvalidCodePrefix;
            }
            else if (depositCost > result.GasLeft)
            {
                depositError = EvmError.OutOfGas;
            }

            if (depositError == EvmError.None)
            {
                Host.SetCode(address, code.ToArray());
                return new FrameResult(EvmError.None, result.GasLeft - depositCost, result.Output);
            }

            result = FrameResult.Failed(depositError);
        }

        Host.RevertToSnapshot(snapshot);
        return result;
    }

    /// <summary>Hands a child's result to the parent frame that asked for it: gas back, return data, the success word.</summary>
    private static void Resume(EvmFrame parent, in FrameResult child)
    {
        parent.Gas += child.GasLeft;
        bool succeeded = child.Error == EvmError.None;
        UInt256 pushed;
        if (parent.Pending.IsCreate)
        {
            parent.ReturnData = child.Error == EvmError.Revert ? child.Output : ReadOnlyMemory<byte>.Empty;
            pushed = succeeded ? EvmWords.FromAddress(parent.Pending.Address) : UInt256.Zero;
        }
        else
        {
            parent.ReturnData = child.Output;
            if (parent.ChildOutputSize != 0 && child.Output.Length > 0)
            {
                int copy = (int)Math.Min(parent.ChildOutputSize, child.Output.Length);
                child.Output.Span[..copy].CopyTo(parent.Memory.Slice(parent.ChildOutputOffset, copy));
            }

            pushed = succeeded ? UInt256.One : UInt256.Zero;
        }

        parent.Stack[parent.Sp++] = pushed;
    }

    private void TraceExit(in Message m, in FrameResult result) =>
        _frameTracer?.OnExit(m.Gas - result.GasLeft, result.Output.Span, EvmErrors.Message(result.Error), result.Error == EvmError.Revert);

    /// <summary>geth's callTracer shows a SELFDESTRUCT as a frame (from the contract to the beneficiary, moving its balance).</summary>
    internal void TraceSelfDestruct(in Address contract, in Address beneficiary, in UInt256 balance, int depth)
    {
        if (_frameTracer is { } frames)
        {
            frames.OnEnter(CallFrameTypes.SelfDestruct, contract, beneficiary, balance, [], 0, depth);
            frames.OnExit(0, [], null, reverted: false);
        }
    }
}
