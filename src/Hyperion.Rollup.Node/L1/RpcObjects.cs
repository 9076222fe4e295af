using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Rpc;
using Newtonsoft.Json.Linq;

namespace Hyperion.Rollup.Node.L1;

/// <summary>
/// Ethereum JSON-RPC objects (blocks, transactions, receipts, logs; OP's deposit fields too) turned into Core's
/// consensus types, each checked against the hash the node reported for it, so that a node's JSON cannot disagree
/// with the bytes it stands for. Every failure is a <see cref="FormatException"/> naming the field.
/// </summary>
public static class RpcObjects
{
    /// <summary>The header of a block object, whose recomputed hash must equal its <c>hash</c> field.</summary>
    public static BlockHeader Header(JToken block)
    {
        ArgumentNullException.ThrowIfNull(block);
        var header = new BlockHeader
        {
            ParentHash = Hash(block, "parentHash"),
            OmmersHash = Hash(block, "sha3Uncles"),
            Beneficiary = Address(block, "miner"),
            StateRoot = Hash(block, "stateRoot"),
            TransactionsRoot = Hash(block, "transactionsRoot"),
            ReceiptsRoot = Hash(block, "receiptsRoot"),
            LogsBloom = LogsBloom(block, "logsBloom"),
            Difficulty = Quantity256(block, "difficulty"),
            Number = Quantity(block, "number"),
            GasLimit = Quantity(block, "gasLimit"),
            GasUsed = Quantity(block, "gasUsed"),
            Timestamp = Quantity(block, "timestamp"),
            ExtraData = Data(block, "extraData"),
            MixHash = block["mixHash"] is null ? Hash(block, "prevRandao") : Hash(block, "mixHash"),
            Nonce = NonceOf(block),
            BaseFeePerGas = Has(block, "baseFeePerGas") ? Quantity256(block, "baseFeePerGas") : null,
            WithdrawalsRoot = Has(block, "withdrawalsRoot") ? Hash(block, "withdrawalsRoot") : null,
            BlobGasUsed = Has(block, "blobGasUsed") ? Quantity(block, "blobGasUsed") : null,
            ExcessBlobGas = Has(block, "excessBlobGas") ? Quantity(block, "excessBlobGas") : null,
            ParentBeaconBlockRoot = Has(block, "parentBeaconBlockRoot") ? Hash(block, "parentBeaconBlockRoot") : null,
            RequestsHash = Has(block, "requestsHash") ? Hash(block, "requestsHash") : null,
        };
        Hash256 reported = Hash(block, "hash");
        Hash256 computed;
        try
        {
            computed = header.Hash;
        }
        catch (InvalidOperationException e)
        {
            throw new FormatException($"block {header.Number}: {e.Message}", e);
        }

        if (computed != reported)
        {
            throw new FormatException($"block {header.Number}: the header's fields hash to {computed}, not to the reported hash {reported}");
        }

        return header;
    }

    /// <summary>A transaction object (any type, including OP deposits), whose envelope must hash to its <c>hash</c> field.</summary>
    public static Transaction Transaction(JToken tx)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var type = (TransactionType)(Has(tx, "type") ? Quantity(tx, "type") : 0);
        Transaction result = type switch
        {
            TransactionType.Legacy => Legacy(tx),
            TransactionType.AccessList => Typed(tx, type) with { GasPrice = Quantity256(tx, "gasPrice") },
            TransactionType.DynamicFee => DynamicFee(tx, type),
            TransactionType.Blob => DynamicFee(tx, type) with
            {
                MaxFeePerBlobGas = Quantity256(tx, "maxFeePerBlobGas"),
                BlobVersionedHashes = [.. Array(tx, "blobVersionedHashes").Select(h => ParseHash(h, "blobVersionedHashes"))],
            },
            TransactionType.SetCode => DynamicFee(tx, type) with
            {
                AuthorizationList = [.. Array(tx, "authorizationList").Select(AuthorizationOf)],
            },
            TransactionType.Deposit => new Transaction
            {
                Type = type,
                SourceHash = Hash(tx, "sourceHash"),
                From = Address(tx, "from"),
                To = OptionalAddress(tx, "to"),
                Mint = Has(tx, "mint") ? Quantity256(tx, "mint") : default,
                Value = Quantity256(tx, "value"),
                GasLimit = Quantity(tx, "gas"),
                IsSystemTransaction = tx["isSystemTx"]?.Type == JTokenType.Boolean && tx.Value<bool>("isSystemTx"),
                Data = Data(tx, "input"),
            },
            _ => throw new FormatException($"transaction type 0x{(byte)type:x2} is not known"),
        };
        Hash256 reported = Hash(tx, "hash");
        if (result.Hash != reported)
        {
            throw new FormatException($"transaction {reported}: its fields encode to a transaction with hash {result.Hash}");
        }

        return result;
    }

    /// <summary>A receipt object; <paramref name="type"/> from the transaction it belongs to when the node omits it.</summary>
    public static Receipt Receipt(JToken receipt)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        bool hasStatus = Has(receipt, "status");
        return new Receipt
        {
            Type = (TransactionType)(Has(receipt, "type") ? Quantity(receipt, "type") : 0),
            Success = hasStatus && Quantity(receipt, "status") == 1,
            PostState = hasStatus ? null : Hash(receipt, "root"),
            CumulativeGasUsed = Quantity(receipt, "cumulativeGasUsed"),
            Bloom = LogsBloom(receipt, "logsBloom"),
            Logs = [.. Array(receipt, "logs").Select(LogOf)],
            DepositNonce = Has(receipt, "depositNonce") ? Quantity(receipt, "depositNonce") : null,
            DepositReceiptVersion = Has(receipt, "depositReceiptVersion") ? Quantity(receipt, "depositReceiptVersion") : null,
        };
    }

    public static Log LogOf(JToken log)
    {
        ArgumentNullException.ThrowIfNull(log);
        return new Log(Address(log, "address"), [.. Array(log, "topics").Select(t => ParseHash(t, "topics"))], Data(log, "data").ToArray());
    }

    public static bool Has(JToken obj, string name) => obj[name] is JToken value && value.Type != JTokenType.Null;

    public static ulong Quantity(JToken obj, string name)
    {
        string text = String(obj, name);
        try
        {
            return EthJson.ParseQuantity(text);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{name}: {e.Message}", e);
        }
    }

    public static UInt256 Quantity256(JToken obj, string name)
    {
        string text = String(obj, name);
        if (!text.StartsWith("0x", StringComparison.Ordinal) || !UInt256.TryParse(text, out UInt256 value))
        {
            throw new FormatException($"{name}: '{text}' is not a 256-bit hex quantity");
        }

        return value;
    }

    public static Hash256 Hash(JToken obj, string name) => ParseHash(obj[name], name);

    public static Address Address(JToken obj, string name) =>
        Core.Address.TryParse(String(obj, name), out Address value) ? value : throw new FormatException($"{name}: not a 20-byte address");

    public static byte[] Data(JToken obj, string name)
    {
        try
        {
            return EthJson.ParseData(String(obj, name));
        }
        catch (FormatException e)
        {
            throw new FormatException($"{name}: {e.Message}", e);
        }
    }

    public static string String(JToken obj, string name)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return obj[name] is JValue { Type: JTokenType.String } value ? (string)value! : throw new FormatException($"{name}: missing or not a string");
    }

    public static JArray Array(JToken obj, string name)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return obj[name] switch
        {
            JArray array => array,
            null or { Type: JTokenType.Null } => [],
            _ => throw new FormatException($"{name}: not an array"),
        };
    }

    private static Hash256 ParseHash(JToken? token, string name) =>
        token is JValue { Type: JTokenType.String } value && Hash256.TryParse((string)value!, out Hash256 hash)
            ? hash
            : throw new FormatException($"{name}: missing or not a 32-byte hash");

    private static Address? OptionalAddress(JToken obj, string name) => Has(obj, name) ? Address(obj, name) : null;

    private static Bloom LogsBloom(JToken obj, string name)
    {
        byte[] bytes = Data(obj, name);
        return bytes.Length == Bloom.Size ? new Bloom(bytes) : throw new FormatException($"{name}: {bytes.Length} bytes, not {Bloom.Size}");
    }

    private static ulong NonceOf(JToken block)
    {
        byte[] nonce = Data(block, "nonce");
        return nonce.Length == 8 ? System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(nonce) : throw new FormatException("nonce: not 8 bytes");
    }

    private static Transaction Legacy(JToken tx)
    {
        ulong v = Quantity(tx, "v");
        return new Transaction
        {
            Type = TransactionType.Legacy,
            ChainId = v >= 35 ? (v - 35) / 2 : null,
            Nonce = Quantity(tx, "nonce"),
            GasPrice = Quantity256(tx, "gasPrice"),
            GasLimit = Quantity(tx, "gas"),
            To = OptionalAddress(tx, "to"),
            Value = Quantity256(tx, "value"),
            Data = Data(tx, "input"),
            V = v,
            R = Quantity256(tx, "r"),
            S = Quantity256(tx, "s"),
        };
    }

    private static Transaction Typed(JToken tx, TransactionType type) => new()
    {
        Type = type,
        ChainId = Quantity(tx, "chainId"),
        Nonce = Quantity(tx, "nonce"),
        GasLimit = Quantity(tx, "gas"),
        To = OptionalAddress(tx, "to"),
        Value = Quantity256(tx, "value"),
        Data = Data(tx, "input"),
        AccessList = [.. Array(tx, "accessList").Select(e => new AccessListEntry(Address(e, "address"), [.. Array(e, "storageKeys").Select(k => ParseHash(k, "storageKeys"))]))],
        V = Has(tx, "yParity") ? Quantity(tx, "yParity") : Quantity(tx, "v"),
        R = Quantity256(tx, "r"),
        S = Quantity256(tx, "s"),
    };

    private static Transaction DynamicFee(JToken tx, TransactionType type) => Typed(tx, type) with
    {
        MaxPriorityFeePerGas = Quantity256(tx, "maxPriorityFeePerGas"),
        MaxFeePerGas = Quantity256(tx, "maxFeePerGas"),
    };

    private static Authorization AuthorizationOf(JToken auth)
    {
        ulong parity = Has(auth, "yParity") ? Quantity(auth, "yParity") : Quantity(auth, "v");
        return new Authorization
        {
            ChainId = Quantity256(auth, "chainId"),
            Address = Address(auth, "address"),
            Nonce = Quantity(auth, "nonce"),
            YParity = parity <= byte.MaxValue ? (byte)parity : throw new FormatException("authorizationList: yParity out of range"),
            R = Quantity256(auth, "r"),
            S = Quantity256(auth, "s"),
        };
    }
}
