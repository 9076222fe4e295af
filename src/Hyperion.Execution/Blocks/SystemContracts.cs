using Hyperion.Core;

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

    /// <summary>EIP-2935 HISTORY_STORAGE_ADDRESS (Prague): stores the parent block hash by number.</summary>
    public static readonly Address HistoryStorageAddress = Address.Parse("0x0000f90827f1c53a10cb7a02335b175320002935");
}
