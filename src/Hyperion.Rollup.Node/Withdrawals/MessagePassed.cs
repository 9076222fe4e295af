using System.Numerics;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Rollup.Node.L1;
using Hyperion.Rollup.Node.Proposer;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;
using Nethereum.RPC.Eth.DTOs;
using Newtonsoft.Json.Linq;

namespace Hyperion.Rollup.Node.Withdrawals;

/// <summary>A withdrawal started on L2: its transaction, hash, and where it was included.</summary>
public sealed record InitiatedWithdrawal(WithdrawalTransaction Transaction, Hash256 WithdrawalHash, Hash256 L2TransactionHash, ulong L2BlockNumber);

/// <summary>
/// <c>MessagePassed(uint256 indexed nonce, address indexed sender, address indexed target, uint256 value,
/// uint256 gasLimit, bytes data, bytes32 withdrawalHash)</c> of the L2ToL1MessagePasser, read from an L2 receipt.
/// </summary>
[Event("MessagePassed")]
public sealed class MessagePassedEvent : IEventDTO
{
    public static readonly Hash256 Topic = Keccak256.Hash("MessagePassed(uint256,address,address,uint256,uint256,bytes,bytes32)"u8);

    [Parameter("uint256", "nonce", 1, true)]
    public BigInteger Nonce { get; set; }

    [Parameter("address", "sender", 2, true)]
    public string Sender { get; set; } = "";

    [Parameter("address", "target", 3, true)]
    public string Target { get; set; } = "";

    [Parameter("uint256", "value", 4, false)]
    public BigInteger Value { get; set; }

    [Parameter("uint256", "gasLimit", 5, false)]
    public BigInteger GasLimit { get; set; }

    [Parameter("bytes", "data", 6, false)]
    public byte[] Data { get; set; } = [];

    [Parameter("bytes32", "withdrawalHash", 7, false)]
    public byte[] WithdrawalHash { get; set; } = [];

    /// <summary>
    /// The withdrawals a transaction started: each MessagePassed log of the message passer in its receipt, its hash
    /// checked against the fields (a log that disagrees is refused).
    /// </summary>
    /// <exception cref="FormatException">The receipt or a log is malformed, or a log's hash does not match its fields.</exception>
    public static IReadOnlyList<InitiatedWithdrawal> FromReceipt(JToken receipt)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        Hash256 txHash = RpcObjects.Hash(receipt, "transactionHash");
        ulong block = RpcObjects.Quantity(receipt, "blockNumber");
        var found = new List<InitiatedWithdrawal>();
        foreach (JToken log in RpcObjects.Array(receipt, "logs"))
        {
            if (RpcObjects.Address(log, "address") != Predeploys.L2ToL1MessagePasser || log["topics"] is not JArray { Count: 4 } topics ||
                !Hash256.TryParse((string?)topics[0], out Hash256 topic) || topic != Topic)
            {
                continue;
            }

            MessagePassedEvent decoded;
            try
            {
                decoded = log.ToObject<FilterLog>()!.DecodeEvent<MessagePassedEvent>().Event;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new FormatException($"a MessagePassed log of {txHash} does not decode: {e.Message}", e);
            }

            var withdrawal = new WithdrawalTransaction
            {
                Nonce = decoded.Nonce, Sender = decoded.Sender, Target = decoded.Target, Value = decoded.Value, GasLimit = decoded.GasLimit, Data = decoded.Data,
            };
            Hash256 hash = withdrawal.Hash();
            if (hash != Abi.ToHash(decoded.WithdrawalHash))
            {
                throw new FormatException($"a MessagePassed log of {txHash} names withdrawal hash {Abi.ToHash(decoded.WithdrawalHash)}, its fields hash to {hash}");
            }

            found.Add(new InitiatedWithdrawal(withdrawal, hash, txHash, block));
        }

        return found;
    }
}
