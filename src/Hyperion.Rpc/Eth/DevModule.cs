using System.Text.Json;
using System.Text.Json.Nodes;
using Hyperion.Chain;

namespace Hyperion.Rpc.Eth;

/// <summary>The dev chain's controls as anvil and Hardhat name them: evm_mine, anvil_mine, evm_snapshot/revert, evm_increaseTime, evm_setNextBlockTimestamp, evm_setAutomine and evm_setIntervalMining.</summary>
public sealed class DevModule(IDevControls dev) : IRpcModule
{
    /// <summary>Most blocks one anvil_mine builds.</summary>
    public const ulong MaxMinedBlocks = 10_000;

    public void Register(RpcMethodRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry
            .Add("evm_mine", p =>
            {
                ulong? timestamp = p.Has(0) && p[0].ValueKind == JsonValueKind.String ? p.GetQuantity(0) : null;
                dev.Mine(timestamp);
                return "0x0";
            })
            .Add("anvil_mine", p =>
            {
                ulong count = p.Has(0) ? p.GetQuantity(0) : 1;
                for (ulong i = 0; i < Math.Min(count, MaxMinedBlocks); i++)
                {
                    dev.Mine();
                }

                return null;
            })
            .Add("evm_snapshot", _ => EthFormat.Quantity(dev.Snapshot()))
            .Add("evm_revert", p => JsonValue.Create(dev.Revert(p.GetQuantity(0))))
            .Add("evm_increaseTime", p => EthFormat.Quantity((ulong)dev.IncreaseTime(checked((long)EthModule.GetNumber(p, 0)))))
            .Add("evm_setNextBlockTimestamp", p =>
            {
                try
                {
                    dev.SetNextBlockTimestamp(EthModule.GetNumber(p, 0));
                }
                catch (ArgumentOutOfRangeException e)
                {
                    throw new RpcException(e.Message.Split(" (Parameter")[0]);
                }

                return null;
            })
            .Add("evm_setAutomine", p => SetAutomine(p))
            .Add("anvil_setAutomine", p => SetAutomine(p))
            .Add("anvil_getAutomine", _ => JsonValue.Create(dev.Automine))
            .Add("hardhat_getAutomine", _ => JsonValue.Create(dev.Automine))
            // Milliseconds, as Hardhat's evm_setIntervalMining (anvil reads seconds); 0 turns interval mining off.
            .Add("evm_setIntervalMining", p =>
            {
                ulong ms = EthModule.GetNumber(p, 0);
                dev.SetIntervalMining(ms == 0 ? null : TimeSpan.FromMilliseconds(ms));
                return null;
            });
    }

    private JsonNode? SetAutomine(RpcParams p)
    {
        if (!p.Has(0) || p[0].ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            throw RpcException.InvalidParams("expected a boolean");
        }

        dev.SetAutomine(p[0].GetBoolean());
        return null;
    }
}
