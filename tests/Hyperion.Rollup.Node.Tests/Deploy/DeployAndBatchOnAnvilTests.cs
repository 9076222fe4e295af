using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.Blobs;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.Derivation;
using Hyperion.Rollup.Node.Batcher;
using Hyperion.Rollup.Node.Deploy;
using Hyperion.Rollup.Node.L1;
using Hyperion.Rollup.Node.L2Genesis;
using Hyperion.Rollup.Node.Tests.Batcher;
using Newtonsoft.Json.Linq;

namespace Hyperion.Rollup.Node.Tests.Deploy;

/// <summary>
/// On anvil: `rollup deploy` puts the L1 contracts on chain and describes a rollup whose genesis a verifier rebuilds;
/// then the batcher posts a made-up L2 chain to that rollup's inbox, as calldata and as blobs, and what the L1 source
/// reads back goes through the derivation's retrieval, frames and channel reader to the same batches.
/// </summary>
[Collection(AnvilCollection.Name)]
public sealed class DeployAndBatchOnAnvilTests
{
    private static readonly Lazy<KzgSetup> Setup = new(() => TrustedSetupFile.Load());

    [AnvilFact]
    public async Task Deploy_writes_a_config_whose_genesis_is_rebuilt_and_whose_contracts_are_on_L1()
    {
        await using Anvil anvil = await Anvil.StartAsync();
        var funded = new SortedDictionary<Address, UInt256> { [Anvil.DevAddress] = UInt256.Parse("1000000000000000000000") };
        (RollupConfig config, RollupAddresses addresses) = await new RollupDeployer(anvil.Rpc, Anvil.DevKey)
            .DeployAsync(new RollupDeployOptions { L2ChainId = 42069, BlockTime = 1, FundedL2Accounts = funded }, CancellationToken.None);

        Assert.Equal(Address.Parse("0xff00000000000000000000000000000000042069"), config.BatchInboxAddress);
        Assert.Equal(addresses.OptimismPortal, config.DepositContractAddress);
        Assert.Equal(addresses.L1StandardBridge, config.Hyperion.L1StandardBridge);
        Assert.Equal(Anvil.ChainId, config.L1ChainId);
        RollupGenesis.EnsureHashMatches(config);
        Assert.Equal(config, RollupConfig.FromJson(config.ToJson()));
        foreach (Address contract in new[] { addresses.OptimismPortal, addresses.SystemConfig, addresses.L1StandardBridge })
        {
            Assert.NotEqual("0x", (string)(await anvil.CallAsync("eth_getCode", contract.ToString(), "latest"))!);
        }

        JToken genesisL1 = (await anvil.CallAsync("eth_getBlockByNumber", "latest", false))!;
        Assert.Equal(config.GenesisL1.Hash, RpcObjects.Hash(genesisL1, "hash"));
        Assert.Equal(RpcObjects.Quantity(genesisL1, "timestamp"), config.GenesisL2Time);
        JObject addressesJson = JObject.Parse(RollupDeployer.AddressesJson(addresses, config));
        Assert.Equal(addresses.SystemConfig.ToString(), (string)addressesJson["SystemConfig"]!);
    }

    [AnvilFact]
    public async Task The_batcher_posts_calldata_and_blobs_that_derivation_reads_back_from_L1()
    {
        await using Anvil anvil = await Anvil.StartAsync("--block-time", "1");
        (RollupConfig deployed, _) = await new RollupDeployer(anvil.Rpc, Anvil.DevKey).DeployAsync(new RollupDeployOptions(), CancellationToken.None);
        // The made-up L2 chain's timing, with the deployed rollup's inbox, batcher and chain ids.
        RollupConfig config = TestL2Chain.Config with
        {
            BatchInboxAddress = deployed.BatchInboxAddress, L1ChainId = deployed.L1ChainId, GenesisSystemConfig = deployed.GenesisSystemConfig,
        };
        var source = new JsonRpcL1Source(anvil.Rpc, new AnvilBlobReader(anvil.Rpc), () => Setup.Value);

        foreach (DataAvailability mode in new[] { DataAvailability.Calldata, DataAvailability.Blobs })
        {
            TestL2Chain l2 = TestL2Chain.Build(8);
            var tx = new TxManager(anvil.Rpc, Anvil.ChainId, Anvil.DevKey, config.BatchInboxAddress, () => Setup.Value,
                new TxManagerOptions { PollInterval = TimeSpan.FromMilliseconds(100) });
            var batcher = new BatchSubmitter(config, new RollupNodeClient(l2), tx, new BatcherOptions { DataAvailability = mode, BatchKind = BatchKind.Span });
            PostedChannel posted = (await batcher.StepAsync(force: true, CancellationToken.None))!;
            Assert.Equal(mode, posted.Mode);
            TxInclusion inclusion = Assert.Single(posted.Transactions);
            Assert.Equal(mode == DataAvailability.Blobs ? BlobGas.GasPerBlob : 0UL, inclusion.BlobGasUsed);

            BlockHeader header = (await source.HeaderByNumberAsync(inclusion.BlockNumber, CancellationToken.None))!;
            IReadOnlyList<BatcherData> data = L1Retrieval.Select(await source.TransactionsAsync(header, CancellationToken.None), config, config.GenesisSystemConfig);
            BatcherData batcherData = Assert.Single(data);
            ReadOnlyMemory<byte> bytes = batcherData.IsBlob
                ? BlobCodec.Decode((await source.BlobsAsync(header, [batcherData.BlobHash!.Value], CancellationToken.None))[0])
                : batcherData.Calldata;
            Frame frame = Assert.Single(Frame.ParseBatcherData(bytes));
            Assert.True(frame.IsLast);
            SpanBatch span = Assert.IsType<SpanBatch>(Assert.Single(ChannelReader.Read(frame.Data.ToArray(), config, header.Timestamp).Batches));
            Assert.Equal(7, span.Blocks.Count);
            Assert.Equal(l2.Blocks[1].Ref.Time, span.Timestamp);
            Assert.Equal(l2.Blocks[7].Transactions.Where(t => t.Type != TransactionType.Deposit).Select(t => t.Hash), span.Blocks[6].Transactions.Select(t => Transaction.Decode(t).Hash));
        }
    }
}
