using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Crypto;
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
            .DeployAsync(
                new RollupDeployOptions
                {
                    L2ChainId = 42069, BlockTime = 1, FundedL2Accounts = funded, Proposer = Proposer, Challenger = Challenger, SubmissionInterval = 6,
                    FinalizationPeriodSeconds = 30,
                },
                CancellationToken.None);

        Assert.Equal(Address.Parse("0xff00000000000000000000000000000000042069"), config.BatchInboxAddress);
        Assert.Equal(addresses.OptimismPortal, config.DepositContractAddress);
        Assert.Equal(addresses.L1StandardBridge, config.Hyperion.L1StandardBridge);
        Assert.Equal(Anvil.ChainId, config.L1ChainId);
        RollupGenesis.EnsureHashMatches(config);
        Assert.Equal(config, RollupConfig.FromJson(config.ToJson()));
        Assert.Equal(addresses.L1CrossDomainMessenger, config.Hyperion.L1CrossDomainMessenger);
        foreach (Address contract in new[]
        {
            addresses.OptimismPortal, addresses.SystemConfig, addresses.L1StandardBridge, addresses.L2OutputOracle, addresses.L1CrossDomainMessenger,
            addresses.OptimismMintableErc20Factory,
        })
        {
            Assert.NotEqual("0x", (string)(await anvil.CallAsync("eth_getCode", contract.ToString(), "latest"))!);
        }

        JToken genesisL1 = (await anvil.CallAsync("eth_getBlockByNumber", "latest", false))!;
        Assert.Equal(config.GenesisL1.Hash, RpcObjects.Hash(genesisL1, "hash"));
        Assert.Equal(RpcObjects.Quantity(genesisL1, "timestamp"), config.GenesisL2Time);
        JObject addressesJson = JObject.Parse(RollupDeployer.AddressesJson(addresses, config));
        Assert.Equal(addresses.SystemConfig.ToString(), (string)addressesJson["SystemConfig"]!);
        Assert.Equal(addresses.L2OutputOracle.ToString(), (string)addressesJson["L2OutputOracle"]!);
        Assert.Equal(Proposer.ToString(), (string)addressesJson["Proposer"]!);
        Assert.Equal(Challenger.ToString(), (string)addressesJson["Challenger"]!);

        // The oracle starts at L2 genesis (block 0 at genesis.l2_time) with the options' parameters, and the portal asks it.
        Assert.Equal((UInt256)6UL, await CallWordAsync(anvil, addresses.L2OutputOracle, "SUBMISSION_INTERVAL()"));
        Assert.Equal(UInt256.One, await CallWordAsync(anvil, addresses.L2OutputOracle, "L2_BLOCK_TIME()"));
        Assert.Equal((UInt256)30UL, await CallWordAsync(anvil, addresses.L2OutputOracle, "FINALIZATION_PERIOD_SECONDS()"));
        Assert.Equal(UInt256.Zero, await CallWordAsync(anvil, addresses.L2OutputOracle, "startingBlockNumber()"));
        Assert.Equal((UInt256)config.GenesisL2Time, await CallWordAsync(anvil, addresses.L2OutputOracle, "startingTimestamp()"));
        Assert.Equal(UInt256.FromBigEndian(Proposer.Bytes), await CallWordAsync(anvil, addresses.L2OutputOracle, "PROPOSER()"));
        Assert.Equal(UInt256.FromBigEndian(Challenger.Bytes), await CallWordAsync(anvil, addresses.L2OutputOracle, "CHALLENGER()"));
        Assert.Equal(UInt256.FromBigEndian(addresses.L2OutputOracle.Bytes), await CallWordAsync(anvil, addresses.OptimismPortal, "l2Oracle()"));
        Assert.Equal(UInt256.FromBigEndian(addresses.OptimismPortal.Bytes), await CallWordAsync(anvil, addresses.L1CrossDomainMessenger, "portal()"));
        Assert.Equal(UInt256.FromBigEndian(addresses.L1CrossDomainMessenger.Bytes), await CallWordAsync(anvil, addresses.L1StandardBridge, "messenger()"));
        Assert.Equal(UInt256.FromBigEndian(addresses.L1StandardBridge.Bytes), await CallWordAsync(anvil, addresses.OptimismMintableErc20Factory, "bridge()"));
        Assert.Equal(addresses.L1CrossDomainMessenger.ToString(), (string)addressesJson["L1CrossDomainMessenger"]!);
    }

    private static readonly Address Proposer = Address.Parse("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
    private static readonly Address Challenger = Address.Parse("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");

    private static async Task<UInt256> CallWordAsync(Anvil anvil, Address contract, string signature)
    {
        string selector = Hex.Encode(Keccak256.Hash(System.Text.Encoding.ASCII.GetBytes(signature)).Bytes[..4]);
        var call = new JObject { ["to"] = contract.ToString(), ["data"] = selector };
        return UInt256.FromBigEndian(Hex.Decode((string)(await anvil.CallAsync("eth_call", call, "latest"))!));
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
