namespace Hyperion.Evm;

/// <summary>
/// The outcome of a top-level message call or creation. <c>Success == false &amp;&amp; Reverted</c> is REVERT: the
/// unused gas is returned and <see cref="Output"/> holds the revert data. Any other failure consumes all gas.
/// </summary>
public readonly record struct ExecutionResult(bool Success, bool Reverted, long GasLeft, ReadOnlyMemory<byte> Output, string? Error);

/// <summary>Why a frame stopped abnormally. <see cref="None"/> is a normal STOP/RETURN (or a call with no code).</summary>
public enum EvmError : byte
{
    None,
    Revert,
    OutOfGas,
    StackUnderflow,
    StackOverflow,
    InvalidJump,
    InvalidOpcode,
    StaticStateChange,
    ReturnDataOutOfBounds,
    MaxCodeSizeExceeded,
    InvalidCodePrefix,
    MaxInitCodeSizeExceeded,
    ContractAddressCollision,
    CallDepthExceeded,
    InsufficientBalance,
    NonceOverflow,
    PrecompileFailed,

    /// <summary>Stopped from outside (see <see cref="EvmAbort"/>); never happens in block execution.</summary>
    Aborted,
}

/// <summary>Messages for <see cref="EvmError"/>, worded as geth words them so traces line up.</summary>
public static class EvmErrors
{
    public static string? Message(EvmError error) => error switch
    {
        EvmError.None => null,
        EvmError.Revert => "execution reverted",
        EvmError.OutOfGas => "out of gas",
        EvmError.StackUnderflow => "stack underflow",
        EvmError.StackOverflow => "stack limit reached 1024",
        EvmError.InvalidJump => "invalid jump destination",
        EvmError.InvalidOpcode => "invalid opcode",
        EvmError.StaticStateChange => "write protection",
        EvmError.ReturnDataOutOfBounds => "return data out of bounds",
        EvmError.MaxCodeSizeExceeded => "max code size exceeded",
        EvmError.InvalidCodePrefix => "invalid code: must not begin with 0xef",
        EvmError.MaxInitCodeSizeExceeded => "max initcode size exceeded",
        EvmError.ContractAddressCollision => "contract address collision",
        EvmError.CallDepthExceeded => "max call depth exceeded",
        EvmError.InsufficientBalance => "insufficient balance for transfer",
        EvmError.NonceOverflow => "nonce uint64 overflow",
        EvmError.PrecompileFailed => "precompiled contract failed",
        EvmError.Aborted => "execution aborted",
        _ => error.ToString(),
    };
}
