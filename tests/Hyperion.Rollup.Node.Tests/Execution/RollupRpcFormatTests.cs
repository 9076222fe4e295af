using System.Text.Json.Nodes;
using Hyperion.Chain;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Evm;
using Hyperion.Execution.Blocks;
using Hyperion.Rollup.Fees;
using Hyperion.Rpc.Eth;

namespace Hyperion.Rollup.Node.Tests.Execution;

/// <summary>Deposits, their receipts and the L1 fee fields of other receipts in RPC, as OP nodes show them.</summary>
public class RollupRpcFormatTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Transactions_and_receipts_show_OP_fields(bool fjord)
    {
        (StoredBlock block, BlockExecution execution, Hyperion.Execution.Specs.RollupParameters rollup) = RollupBlockTests.ExecuteAndStore(fjord);

        // A user deposit: OP's deposit fields, no chain id / access list / y-parity, the nonce it ran with.
        JsonObject deposit = EthFormat.Transaction(block.Block.Transactions[4], block.Senders[4], block, 4);
        Transaction depositTx = block.Block.Transactions[4];
        Assert.Equal(depositTx.SourceHash.ToString(), (string?)deposit["sourceHash"]);
        Assert.Equal("0x0", (string?)deposit["mint"]);
        Assert.Equal("0x0", (string?)deposit["gasPrice"]);
        Assert.Equal("0x0", (string?)deposit["nonce"]);
        Assert.Equal("0x1", (string?)deposit["depositReceiptVersion"]);
        Assert.Equal("0x7e", (string?)deposit["type"]);
        Assert.Equal("0x186a0", (string?)deposit["gas"]);
        Assert.False(deposit.ContainsKey("isSystemTx"));
        Assert.Equal(("0x0", "0x0", "0x0"), ((string?)deposit["v"], (string?)deposit["r"], (string?)deposit["s"])); // op-geth's zero signature values
        Assert.False(deposit.ContainsKey("chainId"));
        Assert.False(deposit.ContainsKey("yParity"));
        Assert.False(deposit.ContainsKey("accessList"));
        JsonObject transfer = EthFormat.Transaction(block.Block.Transactions[1], block.Senders[1], block, 1);
        Assert.Equal("0xde0b6b3a7640000", (string?)transfer["mint"]);

        // Deposit receipts: depositNonce and depositReceiptVersion, no L1 fee fields; the creation's address from the deposit nonce.
        JsonObject depositReceipt = EthFormat.Receipt(block, 4, UInt256.One, rollup);
        Assert.Equal("0x0", (string?)depositReceipt["depositNonce"]);
        Assert.Equal("0x1", (string?)depositReceipt["depositReceiptVersion"]);
        Assert.Equal(execution.Transactions[4].ContractAddress.ToString(), (string?)depositReceipt["contractAddress"]);
        Assert.False(depositReceipt.ContainsKey("l1Fee"));

        // User receipts: the L1 fee fields, equal to what the L1FeeVault was paid for it.
        L1FeeParameters parameters = new(30_000_000_000UL, 7_000_000UL, 1368, 810_949);
        for (int i = 5; i < block.Block.Transactions.Length; i++)
        {
            JsonObject receipt = EthFormat.Receipt(block, i, UInt256.One, rollup);
            Transaction tx = block.Block.Transactions[i];
            L1Cost cost = fjord ? L1Fee.Fjord(tx.Envelope.Span, parameters) : L1Fee.Ecotone(tx.Envelope.Span, parameters);
            Assert.Equal(EthFormat.Quantity(cost.Fee), (string?)receipt["l1Fee"]);
            Assert.Equal(EthFormat.Quantity(cost.GasUsed), (string?)receipt["l1GasUsed"]);
            Assert.Equal("0x6fc23ac00", (string?)receipt["l1GasPrice"]);
            Assert.Equal("0x558", (string?)receipt["l1BaseFeeScalar"]);
            Assert.Equal("0x6acfc0", (string?)receipt["l1BlobBaseFee"]);
            Assert.Equal("0xc5fc5", (string?)receipt["l1BlobBaseFeeScalar"]);
            Assert.False(receipt.ContainsKey("depositNonce"));
        }
    }
}
