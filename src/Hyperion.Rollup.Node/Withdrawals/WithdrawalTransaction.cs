using System.Numerics;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Rollup.Node.Proposer;
using Nethereum.ABI;
using Nethereum.ABI.FunctionEncoding.Attributes;

namespace Hyperion.Rollup.Node.Withdrawals;

/// <summary>
/// OP's <c>Types.WithdrawalTransaction</c>: what the L2ToL1MessagePasser recorded and the portal proves and executes.
/// Its hash is keccak256(abi.encode(nonce, sender, target, value, gasLimit, data)); the message passer stores
/// <c>sentMessages[hash] = true</c> at keccak256(abi.encode(hash, uint256(0))).
/// </summary>
public sealed class WithdrawalTransaction
{
    [Parameter("uint256", "nonce", 1)]
    public BigInteger Nonce { get; set; }

    [Parameter("address", "sender", 2)]
    public string Sender { get; set; } = "";

    [Parameter("address", "target", 3)]
    public string Target { get; set; } = "";

    [Parameter("uint256", "value", 4)]
    public BigInteger Value { get; set; }

    [Parameter("uint256", "gasLimit", 5)]
    public BigInteger GasLimit { get; set; }

    [Parameter("bytes", "data", 6)]
    public byte[] Data { get; set; } = [];

    public Hash256 Hash() => Keccak256.Hash(new ABIEncode().GetABIEncoded(
        new ABIValue("uint256", Nonce), new ABIValue("address", Sender), new ABIValue("address", Target),
        new ABIValue("uint256", Value), new ABIValue("uint256", GasLimit), new ABIValue("bytes", Data)));

    /// <summary>The storage slot of <c>sentMessages[hash]</c> in the message passer (the mapping is at slot 0).</summary>
    public static Hash256 StorageSlot(in Hash256 withdrawalHash) =>
        Keccak256.Hash(new ABIEncode().GetABIEncoded(new ABIValue("bytes32", withdrawalHash.Bytes.ToArray()), new ABIValue("uint256", BigInteger.Zero)));

    public override string ToString() =>
        $"nonce {Nonce}, sender {Sender}, target {Target}, value {Value}, gas limit {GasLimit}, {Data.Length} bytes of data";

    internal Address SenderAddress => Abi.ToAddress(Sender);
}
