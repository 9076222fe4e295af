using System.Text.Json;
using Hyperion.Core;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.Config;
using Hyperion.Rollup.Deposits;
using Hyperion.Rollup.Fees;
using Hyperion.Rollup.L1Attributes;

namespace Hyperion.Rollup.Tests;

/// <summary>
/// Vectors/l1-contracts.json holds what the Solidity contracts of contracts/src/rollup emitted and computed on anvil
/// (e2e/test/rollup-l1.test.mjs checks they still do); here the C# decoders and fee code must reach the same values.
/// </summary>
public class VectorTests
{
    private static readonly JsonElement Vectors = JsonDocument.Parse(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "l1-contracts.json"))).RootElement;

    private static Log ToLog(JsonElement log) => new(
        Address.Parse(log.GetProperty("address").GetString()!),
        [.. log.GetProperty("topics").EnumerateArray().Select(t => Hash256.Parse(t.GetString()!))],
        Hex.Decode(log.GetProperty("data").GetString()!));

    [Fact]
    public void Portal_logs_decode_to_the_deposits_that_were_made()
    {
        Hash256 block = Hash256.Parse("0x00000000000000000000000000000000000000000000000000000000000000b1");
        int checkedCount = 0;
        foreach (JsonElement d in Vectors.GetProperty("deposits").EnumerateArray())
        {
            Transaction tx = DepositEvent.Decode(ToLog(d.GetProperty("log")), block, 5);
            bool create = d.GetProperty("isCreation").GetBoolean();
            var expected = new Transaction
            {
                Type = TransactionType.Deposit,
                SourceHash = DepositSource.UserDeposit(block, 5),
                From = Address.Parse(d.GetProperty("from").GetString()!),
                To = create ? null : Address.Parse(d.GetProperty("to").GetString()!),
                Mint = UInt256.Parse(d.GetProperty("mint").GetString()!),
                Value = UInt256.Parse(d.GetProperty("value").GetString()!),
                GasLimit = ulong.Parse(d.GetProperty("gasLimit").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
                Data = Hex.Decode(d.GetProperty("data").GetString()!),
            };
            Assert.Equal(expected.Envelope.ToArray(), tx.Envelope.ToArray());
            checkedCount++;
        }

        Assert.Equal(4, checkedCount); // EOA call, EOA creation, bridged ETH, bridged ERC20
    }

    [Fact]
    public void Bridge_deposit_comes_from_the_alias_of_the_L1_messenger_to_the_L2_messenger()
    {
        JsonElement bridge = Vectors.GetProperty("deposits").EnumerateArray().Single(d => d.GetProperty("name").GetString() == "bridge-eth");
        Transaction tx = DepositEvent.Decode(ToLog(bridge.GetProperty("log")), Hash256.Zero, 0);
        Assert.Equal(Address.Parse("0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0"), AddressAliasing.UndoL1ToL2(tx.From)); // the L1 messenger
        Assert.Equal(Predeploys.L2CrossDomainMessenger, tx.To);
    }

    [Fact]
    public void SystemConfig_updates_apply_to_the_deployed_values()
    {
        JsonElement deploy = Vectors.GetProperty("systemConfigDeploy");
        SystemConfig config = new();
        foreach (JsonElement log in deploy.GetProperty("logs").EnumerateArray())
        {
            Log l = ToLog(log);
            if (l.Topics[0] == SystemConfig.ConfigUpdateTopic)
            {
                config = config.Apply(l, TestConfig.Default, 0);
            }
        }

        Assert.Equal(Address.Parse(deploy.GetProperty("batcher").GetString()!), config.BatcherAddress);
        Assert.Equal(deploy.GetProperty("gasLimit").GetUInt64(), config.GasLimit);
        Assert.Equal((deploy.GetProperty("baseFeeScalar").GetUInt32(), deploy.GetProperty("blobBaseFeeScalar").GetUInt32()), config.EcotoneScalars());
    }

    [Fact]
    public void Gas_price_oracle_fees_equal_the_node_side_fees()
    {
        JsonElement g = Vectors.GetProperty("gasPriceOracle");
        L1BlockInfo info = L1BlockInfo.Decode(Hex.Decode(g.GetProperty("l1BlockCalldata").GetString()!));
        Assert.Equal(Hex.Decode(g.GetProperty("l1BlockCalldata").GetString()!), info.EncodeEcotone());
        var parameters = new L1FeeParameters(info.BaseFee, info.BlobBaseFee, info.BaseFeeScalar, info.BlobBaseFeeScalar);
        byte[] unsigned = Hex.Decode(g.GetProperty("unsignedTransaction").GetString()!);

        Assert.Equal(Number(g, "flzCompressLen"), (ulong)FastLz.CompressedLength(unsigned));
        L1Cost ecotone = L1Fee.EcotoneForUnsigned(unsigned, parameters);
        Assert.Equal(UInt256.Parse(g.GetProperty("ecotoneFee").GetString()!), ecotone.Fee);
        Assert.Equal(new UInt256(Number(g, "ecotoneGasUsed")), ecotone.GasUsed);
        L1Cost fjord = L1Fee.FjordForUnsigned(unsigned, parameters);
        Assert.Equal(UInt256.Parse(g.GetProperty("fjordFee").GetString()!), fjord.Fee);
        Assert.Equal(new UInt256(Number(g, "fjordGasUsed")), fjord.GasUsed);
    }

    private static ulong Number(JsonElement e, string name) =>
        ulong.Parse(e.GetProperty(name).GetString()!, System.Globalization.CultureInfo.InvariantCulture);
}
