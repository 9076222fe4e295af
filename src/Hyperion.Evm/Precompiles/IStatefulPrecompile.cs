using Hyperion.Core;

namespace Hyperion.Evm.Precompiles;

/// <summary>Read-only view of the executing transaction's state that a stateful precompile may consult.</summary>
public interface IPrecompileContext
{
    /// <summary>The current value of a storage slot (including the transaction's own earlier writes).</summary>
    UInt256 GetStorage(in Address address, in UInt256 key);
}

/// <summary>
/// A precompile that reads state (e.g. a registry contract's storage). MetisVM calls the overloads taking an
/// <see cref="IPrecompileContext"/>; the context-free <see cref="IPrecompile"/> members exist only so such a
/// precompile can sit in a <see cref="PrecompileTable"/>, and must fail closed.
/// </summary>
public interface IStatefulPrecompile : IPrecompile
{
    /// <summary>Gas for running on <paramref name="input"/> against <paramref name="context"/>; saturates, never throws except <see cref="PrecompileUnavailableException"/>.</summary>
    long RequiredGas(ReadOnlySpan<byte> input, IPrecompileContext context);

    /// <summary>
    /// Runs the function. False with an empty <paramref name="output"/> is a failure (all the call's gas is consumed);
    /// false with output is a revert: the call returns its unused gas and the output as revert data (e.g. Error(string),
    /// so that callers and tools see why).
    /// </summary>
    bool TryRun(ReadOnlySpan<byte> input, IPrecompileContext context, out byte[] output);
}

/// <summary>
/// This node cannot compute the precompile's result (e.g. a registered model's weights are not on this machine).
/// It is not a call failure: other nodes would compute a result, so whoever executes the transaction must not
/// produce a block from it (the sequencer drops the transaction; an importer refuses the block).
/// </summary>
public sealed class PrecompileUnavailableException(string message) : Exception(message);
