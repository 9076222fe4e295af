using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;

namespace Hyperion.Rollup.Node.Tests.Execution;

/// <summary>
/// Deposit receipt consensus encoding against op-alloy's vectors (crates/consensus/src/receipt/receipts.rs,
/// regolith_receipt_roundtrip and post_canyon_receipt_roundtrip: op-geth's depositReceiptRLP with the optional
/// deposit nonce and receipt version): status 1, cumulative gas 46,913, no logs, nonce 4,012,991.
/// </summary>
public class DepositReceiptVectorTests
{
    private static readonly string EmptyBloom = new('0', 512);

    [Fact]
    public void Regolith_deposit_receipt_appends_the_nonce()
    {
        var receipt = new Receipt { Type = TransactionType.Deposit, Success = true, CumulativeGasUsed = 46_913, DepositNonce = 4_012_991 };
        Assert.Equal("0x7e" + "f9010c0182b741b90100" + EmptyBloom + "c0833d3bbf", Hex.Encode(receipt.EncodeEnvelope()));
    }

    [Fact]
    public void Canyon_deposit_receipt_appends_the_nonce_and_version()
    {
        var receipt = new Receipt
        {
            Type = TransactionType.Deposit, Success = true, CumulativeGasUsed = 46_913, DepositNonce = 4_012_991, DepositReceiptVersion = 1,
        };
        byte[] encoded = receipt.EncodeEnvelope();
        Assert.Equal("0x7e" + "f9010d0182b741b90100" + EmptyBloom + "c0833d3bbf01", Hex.Encode(encoded));
        Receipt decoded = Receipt.DecodeEnvelope(encoded);
        Assert.Equal((4_012_991ul, 1ul), (decoded.DepositNonce!.Value, decoded.DepositReceiptVersion!.Value));
    }
}
