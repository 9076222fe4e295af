using System.Text.Json;
using System.Text.Json.Nodes;
using Hyperion.Chain;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Rollup.Node.Rpc;
using Hyperion.Rpc;

namespace Hyperion.Rollup.Node.Tests;

public sealed class OptimismModuleTests
{
    [Fact]
    public async Task SyncStatus_output_roots_rollup_config_and_the_safe_and_finalized_tags_follow_the_rollup_heads()
    {
        await using var net = new RollupTestNet();
        RollupNode sequencer = net.Start(sequencer: true);
        RollupNode verifier = net.Start(sequencer: false);
        await net.MineL1Async(sequencer);
        await net.MineL1Async(sequencer);
        ulong batched = sequencer.Engine.Unsafe.Number;
        await net.MineL1Async(null, net.Channel(RollupTestNet.Batches(sequencer, 1, batched), BatchMode.Calldata).Transactions);
        await net.MineL1Async(sequencer); // unsafe blocks past the batched ones
        net.L1.FinalizedNumber = 1;
        net.Clock.Now = DateTimeOffset.FromUnixTimeSeconds((long)sequencer.Engine.Unsafe.Time); // the sequencer waits for its next block time
        sequencer.Run();
        for (int i = 0; i < 200 && sequencer.Engine.Safe.Number < batched; i++)
        {
            await Task.Delay(50);
        }

        Assert.Equal(batched, sequencer.Engine.Safe.Number);
        Assert.True(sequencer.Engine.Unsafe.Number > batched);
        await WaitForAsync(() => Call(sequencer, "optimism_syncStatus")["current_l1"]!["number"]!.GetValue<ulong>() == net.L1.Head.Number);

        JsonNode status = Call(sequencer, "optimism_syncStatus");
        Assert.Equal(sequencer.Engine.Unsafe.Number, status["unsafe_l2"]!["number"]!.GetValue<ulong>());
        Assert.Equal(batched, status["safe_l2"]!["number"]!.GetValue<ulong>());
        Assert.Equal(0ul, status["finalized_l2"]!["number"]!.GetValue<ulong>()); // the batches are in L1 block 3, finalized is 1
        Assert.Equal(net.L1.Head.Hash.ToString(), status["head_l1"]!["hash"]!.GetValue<string>());
        Assert.Equal(1ul, status["finalized_l1"]!["number"]!.GetValue<ulong>());
        Assert.Equal(sequencer.Engine.Safe.L1Origin.Number, status["safe_l2"]!["l1origin"]!["number"]!.GetValue<ulong>());

        Assert.Equal(EthQuantity(batched), Call(sequencer, "eth_getBlockByNumber", "\"safe\"", "false")["number"]!.GetValue<string>());
        Assert.Equal("0x0", Call(sequencer, "eth_getBlockByNumber", "\"finalized\"", "false")["number"]!.GetValue<string>());
        // The sequencer has the next block open (waiting for its time), its L1 info deposit preconfirmed: that block is latest.
        await WaitForAsync(() => sequencer.Engine.IsOpenOn(sequencer.Engine.Unsafe));
        Assert.Equal(EthQuantity(sequencer.Engine.Unsafe.Number + 1), Call(sequencer, "eth_getBlockByNumber", "\"latest\"", "false")["number"]!.GetValue<string>());

        net.L1.FinalizedNumber = net.L1.Head.Number;
        await WaitForAsync(() => sequencer.Engine.Finalized.Number == batched);
        Assert.Equal(EthQuantity(batched), Call(sequencer, "eth_getBlockByNumber", "\"finalized\"", "false")["number"]!.GetValue<string>());

        StoredBlock block = sequencer.Node.Chain.Chain.Store.GetByNumber(2)!;
        JsonNode output = Call(sequencer, "optimism_outputAtBlock", "\"0x2\"");
        byte[] preimage = [.. new byte[32], .. block.Header.StateRoot.Bytes, .. Keccak256.EmptyTrieRoot.Bytes, .. block.Hash.Bytes];
        Assert.Equal(Keccak256.Hash(preimage).ToString(), output["outputRoot"]!.GetValue<string>());
        Assert.Equal(Hash256.Zero.ToString(), output["version"]!.GetValue<string>());
        Assert.Equal(block.Hash.ToString(), output["blockRef"]!["hash"]!.GetValue<string>());
        Assert.Equal(Keccak256.EmptyTrieRoot.ToString(), output["withdrawalStorageRoot"]!.GetValue<string>());

        JsonNode config = Call(sequencer, "optimism_rollupConfig");
        Assert.Equal(RollupTestNet.L2ChainId, config["l2_chain_id"]!.GetValue<ulong>());
        Assert.Equal(net.Config.GenesisL2.Hash.ToString(), config["genesis"]!["l2"]!["hash"]!.GetValue<string>());
        _ = verifier;
    }

    [Fact]
    public void The_output_root_is_keccak_of_version_state_root_storage_root_and_block_hash()
    {
        Hash256 state = Keccak256.Hash([1]);
        Hash256 storage = Keccak256.Hash([2]);
        Hash256 block = Keccak256.Hash([3]);
        Assert.Equal(Keccak256.Hash([.. new byte[32], .. state.Bytes, .. storage.Bytes, .. block.Bytes]), OptimismModule.OutputRoot(state, storage, block));
    }

    private static string EthQuantity(ulong value) => "0x" + value.ToString("x", System.Globalization.CultureInfo.InvariantCulture);

    private static JsonNode Call(RollupNode node, string method, params string[] parameters)
    {
        Assert.True(node.Node.Methods.TryGet(method, out RpcHandler handler), method);
        using JsonDocument document = JsonDocument.Parse("[" + string.Join(",", parameters) + "]");
        return handler(new RpcParams(document.RootElement), CancellationToken.None).AsTask().GetAwaiter().GetResult()!;
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition());
    }
}
