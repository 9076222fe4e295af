using System.Text.Json;
using System.Text.Json.Nodes;
using Hyperion.Chain;
using Hyperion.Core;

namespace Hyperion.Rpc.Eth;

/// <summary>
/// The dev chain's controls as anvil and Hardhat name them: evm_* (mine, snapshot/revert, time, automine, interval
/// mining, block gas limit), anvil_* and their hardhat_* aliases (state edits, impersonation, mining several blocks,
/// next block's base fee and PREVRANDAO, coinbase, dropping a pooled transaction, node info). Each namespace answers in
/// its own dialect where the two differ: anvil_* as anvil (mostly null), hardhat_* as Hardhat (true, and a boolean for
/// hardhat_dropTransaction, which Hardhat's network helpers check).
/// </summary>
public sealed class DevModule(IDevControls dev, IChainReader chain) : IRpcModule
{
    /// <summary>Most blocks one anvil_mine builds.</summary>
    public const ulong MaxMinedBlocks = 10_000;

    /// <summary>The longest interval a wait can take (int.MaxValue ms, about 24.8 days).</summary>
    public const ulong MaxMiningIntervalMs = int.MaxValue;

    /// <summary>Most seconds one evm_increaseTime may add (about 136 years): the clock's offset and the timestamps it makes stay far from overflow.</summary>
    public const ulong MaxTimeIncreaseSeconds = uint.MaxValue;

    public void Register(RpcMethodRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry
            .Add("evm_mine", p =>
            {
                // A timestamp as a hex quantity or (as Hardhat sends it) a JSON number; anything else is refused, not ignored.
                ulong? timestamp = p.Has(0) ? EthModule.GetNumber(p, 0) : null;
                dev.Mine(timestamp);
                return "0x0";
            })
            .Add("evm_snapshot", _ => EthFormat.Quantity(dev.Snapshot()))
            .Add("evm_revert", p => JsonValue.Create(dev.Revert(p.GetQuantity(0))))
            // anvil answers the total offset of the clock as a JSON number (an i64), not a hex quantity.
            .Add("evm_increaseTime", p =>
            {
                ulong seconds = EthModule.GetNumber(p, 0);
                return seconds <= MaxTimeIncreaseSeconds
                    ? JsonValue.Create(dev.IncreaseTime((long)seconds))
                    : throw RpcException.InvalidParams($"evm_increaseTime adds at most {MaxTimeIncreaseSeconds} seconds, asked for {seconds}");
            })
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
            .Add("evm_setAutomine", SetAutomine)
            .Add("anvil_setAutomine", SetAutomine)
            .Add("anvil_getAutomine", _ => JsonValue.Create(dev.Automine))
            .Add("hardhat_getAutomine", _ => JsonValue.Create(dev.Automine))
            // Milliseconds, as Hardhat's evm_setIntervalMining (anvil reads seconds); 0 turns interval mining off.
            .Add("evm_setIntervalMining", p =>
            {
                ulong ms = EthModule.GetNumber(p, 0);
                if (ms > MaxMiningIntervalMs)
                {
                    throw RpcException.InvalidParams($"the mining interval is at most {MaxMiningIntervalMs} ms");
                }

                dev.SetIntervalMining(ms == 0 ? null : TimeSpan.FromMilliseconds(ms));
                return null;
            })
            .Add("evm_setBlockGasLimit", p =>
            {
                ulong gasLimit = EthModule.GetNumber(p, 0);
                if (gasLimit == 0)
                {
                    throw RpcException.InvalidParams("block gas limit must be greater than 0");
                }

                Settings.GasLimit = gasLimit;
                return JsonValue.Create(true);
            })
            .Add("anvil_nodeInfo", _ => NodeInfo())
            .Add("anvil_dumpState", p =>
            {
                if (p.Has(0) && p[0].ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    throw RpcException.InvalidParams("invalid argument 0: expected a boolean (preserveHistoricalStates)");
                }

                return AnvilStateDump.Encode(dev.DumpState(), chain.Blocks.Head.Number);
            })
            .Add("anvil_loadState", p => JsonValue.Create(LoadState(p)))
            .Add("anvil_reset", p =>
            {
                Reset(p);
                return null;
            })
            .Add("hardhat_reset", p =>
            {
                Reset(p);
                return JsonValue.Create(true);
            });
        Both(registry, "mine", p =>
        {
            ulong count = p.Has(0) ? EthModule.GetNumber(p, 0) : 1;
            ulong? interval = p.Has(1) ? EthModule.GetNumber(p, 1) : null;
            if (count > MaxMinedBlocks)
            {
                throw RpcException.InvalidParams($"cannot mine more than {MaxMinedBlocks} blocks at once, asked for {count}");
            }

            try
            {
                dev.MineBlocks(count, interval);
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw RpcException.InvalidParams(e.Message.Split(" (Parameter")[0]);
            }
        });
        Both(registry, "setBalance", p => Edit(new StateEdit(EthModule.GetAddress(p, 0)) { Balance = EthModule.GetUInt256(p, 1) }));
        Both(registry, "setCode", p => Edit(new StateEdit(EthModule.GetAddress(p, 0)) { Code = p.GetData(1) }));
        Both(registry, "setNonce", p =>
        {
            Address address = EthModule.GetAddress(p, 0);
            UInt256 nonce = EthModule.GetUInt256(p, 1);
            if (!nonce.IsUInt64 || (ulong)nonce == ulong.MaxValue)
            {
                throw RpcException.InvalidParams($"invalid argument 1: nonce {nonce} does not fit in 64 bits");
            }

            Edit(new StateEdit(address) { Nonce = (ulong)nonce });
        });
        Both(registry, "setStorageAt", p =>
        {
            Address address = EthModule.GetAddress(p, 0);
            UInt256 slot = EthModule.GetUInt256(p, 1);
            byte[] value = p.GetData(2);
            if (value.Length != 32)
            {
                throw RpcException.InvalidParams($"invalid argument 2: expected a 32-byte value, got {value.Length} bytes");
            }

            Edit(new StateEdit(address) { Storage = [new(slot, UInt256.FromBigEndian(value))] });
        }, anvilAnswer: JsonValue.Create(true));
        Both(registry, "impersonateAccount", p => dev.Impersonate(EthModule.GetAddress(p, 0)));
        Both(registry, "stopImpersonatingAccount", p => dev.StopImpersonating(EthModule.GetAddress(p, 0)));
        Both(registry, "setCoinbase", p => Settings.Coinbase = EthModule.GetAddress(p, 0));
        Both(registry, "setNextBlockBaseFeePerGas", p =>
        {
            if (chain.Blocks.Head.Header.BaseFeePerGas is null)
            {
                throw RpcException.InvalidParams("setNextBlockBaseFeePerGas is only supported when EIP-1559 is active");
            }

            UInt256 baseFee = EthModule.GetUInt256(p, 0);
            if (!baseFee.IsUInt64)
            {
                // anvil keeps base fees in 64 bits too; a larger one would only overflow the next blocks' EIP-1559 update.
                throw RpcException.InvalidParams($"invalid argument 0: base fee {baseFee} does not fit in 64 bits");
            }

            Settings.SetNextBaseFee(baseFee);
        });
        Both(registry, "setPrevRandao", p =>
        {
            byte[] value = p.GetData(0);
            if (value.Length != 32)
            {
                throw RpcException.InvalidParams($"invalid argument 0: expected a 32-byte value, got {value.Length} bytes");
            }

            Settings.SetNextPrevRandao(new Hash256(value));
        });
        registry
            .Add("anvil_autoImpersonateAccount", p =>
            {
                dev.AutoImpersonate = GetBool(p, 0);
                return null;
            })
            .Add("anvil_dropTransaction", p =>
            {
                Hash256 hash = EthModule.GetHash(p, 0);
                return dev.DropTransaction(hash) ? hash.ToString() : null;
            })
            .Add("hardhat_dropTransaction", p => JsonValue.Create(dev.DropTransaction(EthModule.GetHash(p, 0))));
    }

    /// <summary>Registers anvil_<paramref name="name"/> (answering <paramref name="anvilAnswer"/>, null as anvil does) and hardhat_<paramref name="name"/> (answering true as Hardhat does).</summary>
    private static void Both(RpcMethodRegistry registry, string name, Action<RpcParams> action, JsonNode? anvilAnswer = null)
    {
        registry
            .Add("anvil_" + name, p =>
            {
                action(p);
                return anvilAnswer?.DeepClone();
            })
            .Add("hardhat_" + name, p =>
            {
                action(p);
                return JsonValue.Create(true);
            });
    }

    /// <summary>anvil_nodeInfo's shape (numbers as JSON numbers, as anvil answers them); this node is never a fork.</summary>
    private JsonObject NodeInfo()
    {
        var head = chain.Blocks.Head;
        UInt256 nextBaseFee = chain.NextBaseFee(head.Header);
        return new JsonObject
        {
            ["currentBlockNumber"] = head.Number,
            ["currentBlockTimestamp"] = head.Header.Timestamp,
            ["currentBlockHash"] = head.Hash.ToString(),
            ["hardFork"] = chain.Executor.Spec.LatestEthereumFork(head.Number, head.Header.Timestamp).ToString().ToLowerInvariant(),
            ["transactionOrder"] = "fees",
            ["environment"] = new JsonObject
            {
                ["baseFee"] = JsonNumber(nextBaseFee),
                ["chainId"] = chain.ChainId,
                ["gasLimit"] = dev.BlockSettings?.GasLimit ?? head.Header.GasLimit,
                ["gasPrice"] = JsonNumber(nextBaseFee + EthModule.DefaultPriorityFee),
            },
            ["forkConfig"] = new JsonObject { ["forkUrl"] = null, ["forkBlockNumber"] = null, ["forkRetryBackoff"] = null },
        };
    }

    /// <summary>Applies a dump's accounts as state edits; the whole dump is parsed before any is applied.</summary>
    private bool LoadState(RpcParams p)
    {
        IReadOnlyList<StateEdit> accounts;
        try
        {
            accounts = AnvilStateDump.Decode(p.GetData(0));
        }
        catch (FormatException e)
        {
            throw RpcException.InvalidParams($"invalid argument 0: failed to decode state dump: {e.Message}");
        }

        foreach (StateEdit account in accounts)
        {
            Edit(account);
        }

        return true;
    }

    /// <summary>anvil_reset/hardhat_reset: back to this chain's genesis. Forking another chain is not supported.</summary>
    private void Reset(RpcParams p)
    {
        if (p.Has(0))
        {
            if (p[0].ValueKind != JsonValueKind.Object)
            {
                throw RpcException.InvalidParams("invalid argument 0: expected a reset options object");
            }

            // viem sends {forking: {blockNumber: null}} for a plain reset: only a URL asks for a fork.
            if (p[0].TryGetProperty("forking", out JsonElement forking) && forking.ValueKind != JsonValueKind.Null)
            {
                if (forking.ValueKind != JsonValueKind.Object)
                {
                    throw RpcException.InvalidParams("invalid argument 0: forking: expected an object");
                }

                if (forking.TryGetProperty("jsonRpcUrl", out JsonElement url) && url.ValueKind != JsonValueKind.Null)
                {
                    throw RpcException.InvalidParams("invalid argument 0: forking is not supported; reset without a jsonRpcUrl returns to this chain's genesis");
                }
            }
        }

        dev.Reset();
    }

    private static JsonNode JsonNumber(UInt256 value) =>
        JsonNode.Parse(value.ToBigInteger().ToString(System.Globalization.CultureInfo.InvariantCulture))!;

    private void Edit(StateEdit edit)
    {
        try
        {
            dev.EditState(edit);
        }
        catch (InvalidOperationException e)
        {
            throw new RpcException(e.Message);
        }
    }

    private BlockSettings Settings =>
        dev.BlockSettings ?? throw new RpcException("this chain's block producer does not take coinbase, gas limit, base fee or PREVRANDAO settings");

    private static bool GetBool(RpcParams p, int index) =>
        p.Has(index) && p[index].ValueKind is JsonValueKind.True or JsonValueKind.False
            ? p[index].GetBoolean()
            : throw RpcException.InvalidParams($"invalid argument {index}: expected a boolean");

    private JsonNode? SetAutomine(RpcParams p)
    {
        dev.SetAutomine(GetBool(p, 0));
        return null;
    }
}
