using System.Text.Json.Nodes;
using Hyperion.Chain;
using Hyperion.Core;

namespace Hyperion.Rpc.Eth;

/// <summary>
/// Lookups of an account's transactions that the chain keeps no index for: eth_getTransactionBySenderAndNonce (as
/// anvil and reth answer it: the mined transaction object, or null). The blocks are scanned from the head down, so a
/// lookup costs time in proportion to the blocks after the transaction (a dev chain's size is assumed); a nonce the
/// sender has not reached yet is answered without a scan.
/// </summary>
public sealed class AccountHistoryModule(IChainReader chain) : IRpcModule
{
    private readonly IChainReader _chain = chain ?? throw new ArgumentNullException(nameof(chain));

    public void Register(RpcMethodRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.AddExecution("eth_getTransactionBySenderAndNonce", p =>
        {
            Address sender = EthModule.GetAddress(p, 0);
            ulong nonce = EthModule.GetNumber(p, 1);
            return FindBySenderAndNonce(sender, nonce) is (StoredBlock block, int index)
                ? EthFormat.Transaction(block.Block.Transactions[index], sender, block, index)
                : null;
        });
    }

    /// <summary>The block and index of the mined transaction <paramref name="sender"/> sent with <paramref name="nonce"/>; null when there is none.</summary>
    public (StoredBlock Block, int Index)? FindBySenderAndNonce(Address sender, ulong nonce)
    {
        if (!_chain.LatestState.TryGetAccount(sender, out Hyperion.State.Account account) || account.Nonce <= nonce)
        {
            return null; // not sent yet: no scan
        }

        IBlockReader blocks = _chain.Blocks;
        for (ulong number = blocks.Head.Number; ; number--)
        {
            StoredBlock block = blocks.GetByNumber(number)!;
            for (int i = 0; i < block.Senders.Count; i++)
            {
                if (block.Senders[i] == sender && block.Block.Transactions[i].Nonce == nonce)
                {
                    return (block, i);
                }
            }

            if (number == 0)
            {
                return null;
            }
        }
    }
}
