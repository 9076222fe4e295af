namespace Hyperion.Chain;

/// <summary>
/// The chain's safe and finalized blocks, as the "safe" and "finalized" block tags name them. A rollup node's heads
/// come from L1 derivation; a chain without any (the dev chain) has none, and both tags mean its head.
/// </summary>
public interface IChainHeads
{
    /// <summary>Number of the newest safe block.</summary>
    ulong Safe { get; }

    /// <summary>Number of the newest finalized block.</summary>
    ulong Finalized { get; }
}
