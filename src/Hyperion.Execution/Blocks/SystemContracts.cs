using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.State;

namespace Hyperion.Execution.Blocks;

/// <summary>The system contracts the block executor calls before a block's transactions, and their caller.</summary>
public static class SystemContracts
{
    /// <summary>SYSTEM_ADDRESS: the caller of system calls (EIP-4788, EIP-2935).</summary>
    public static readonly Address SystemAddress = Address.Parse("0xfffffffffffffffffffffffffffffffffffffffe");

    /// <summary>Gas a system call may use, outside the block's gas.</summary>
    public const long SystemCallGas = 30_000_000;

    /// <summary>EIP-4788 BEACON_ROOTS_ADDRESS (Cancun): stores the parent beacon block root by timestamp.</summary>
    public static readonly Address BeaconRootsAddress = Address.Parse("0x000f3df6d732807ef1319fb7b8bb8522d0beac02");

    /// <summary>The runtime code EIP-4788 deploys at <see cref="BeaconRootsAddress"/> (with nonce 1).</summary>
    public static ReadOnlyMemory<byte> BeaconRootsCode { get; } = Hex.Decode(
        "0x3373fffffffffffffffffffffffffffffffffffffffe14604d57602036146024575f5ffd5b5f35801560495762001fff810690815414603c575f5ffd5b62001fff01545f5260205ff35b5f5ffd5b62001fff42064281555f359062001fff015500");

    /// <summary>The hash of <see cref="BeaconRootsCode"/>: the code at <see cref="BeaconRootsAddress"/> that <see cref="TryStoreBeaconRoot"/> stands in for.</summary>
    public static Hash256 BeaconRootsCodeHash { get; } = Keccak256.Hash(BeaconRootsCode.Span);

    /// <summary>EIP-4788's ring buffer: HISTORY_BUFFER_LENGTH slots of timestamps, then as many of roots.</summary>
    private const ulong BeaconRootsBufferLength = 8191;

    /// <summary>
    /// EIP-4788's system call done without the EVM when the code at <see cref="BeaconRootsAddress"/> is the canonical
    /// contract: what its set path does when the system address calls it with the root — the zero-value call touches
    /// the contract, then <c>sstore(timestamp % 8191, timestamp)</c> and <c>sstore(timestamp % 8191 + 8191, root)</c>
    /// — and the end of the system transaction. A VM, its host and a frame per block cost ~20 µs of a block's fixed cost
    /// (issue 14). False, with nothing done, when the code is any other (the EVM runs it then).
    /// </summary>
    public static bool TryStoreBeaconRoot(IWorldState state, ulong timestamp, in Hash256 root)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.GetCodeHash(BeaconRootsAddress) != BeaconRootsCodeHash)
        {
            return false;
        }

        ulong timestampIndex = timestamp % BeaconRootsBufferLength;
        state.AddBalance(BeaconRootsAddress, UInt256.Zero);
        state.SetStorage(BeaconRootsAddress, new UInt256(timestampIndex), new UInt256(timestamp));
        state.SetStorage(BeaconRootsAddress, new UInt256(timestampIndex + BeaconRootsBufferLength), UInt256.FromBigEndian(root.Bytes));
        state.FinishTransaction(deleteTouchedEmpty: true);
        return true;
    }

    /// <summary>EIP-2935 HISTORY_STORAGE_ADDRESS (Prague): stores the parent block hash by number.</summary>
    public static readonly Address HistoryStorageAddress = Address.Parse("0x0000f90827f1c53a10cb7a02335b175320002935");
}
