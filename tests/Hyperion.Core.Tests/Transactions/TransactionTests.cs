using CsCheck;
using Hyperion.Core.Blocks;
using Hyperion.Core.Crypto;
using Hyperion.Core.Rlp;
using Hyperion.Core.Transactions;

namespace Hyperion.Core.Tests.Transactions;

public class TransactionTests
{
    private static readonly byte[] PrivateKey = Enumerable.Repeat((byte)0x46, 32).ToArray();
    private static readonly Address Signer = Secp256k1.AddressFromPrivateKey(PrivateKey);
    private static readonly Address Recipient = Address.Parse("0x3535353535353535353535353535353535353535");
    private static readonly Hash256 KzgHash = Hash256.Parse("0x01" + new string('a', 62));

    private static Transaction Sign(Transaction unsigned)
    {
        EcdsaSignature signature = Secp256k1.Sign(unsigned.SigningHash().Bytes, PrivateKey);
        return unsigned.WithSignature(signature.R, signature.S, signature.RecoveryId);
    }

    private static Transaction Sample(TransactionType type) => type switch
    {
        TransactionType.Legacy => new Transaction { ChainId = 1, Nonce = 9, GasPrice = 20_000_000_000UL, GasLimit = 21000, To = Recipient, Value = 1_000_000_000_000_000_000UL },
        TransactionType.AccessList => new Transaction
        {
            Type = type, ChainId = 1, Nonce = 1, GasPrice = 7, GasLimit = 60_000, To = Recipient, Data = new byte[] { 0, 1, 2 },
            AccessList = [new AccessListEntry(Recipient, [Hash256.Zero, KzgHash]), new AccessListEntry(Signer, [])],
        },
        TransactionType.DynamicFee => new Transaction
        {
            Type = type, ChainId = 1, Nonce = 2, MaxPriorityFeePerGas = 2, MaxFeePerGas = 100, GasLimit = 100_000,
            To = null, Data = new byte[100], Value = UInt256.MaxValue,
        },
        TransactionType.Blob => new Transaction
        {
            Type = type, ChainId = 1, Nonce = 3, MaxPriorityFeePerGas = 1, MaxFeePerGas = 10, GasLimit = 21_000, To = Recipient,
            MaxFeePerBlobGas = 5, BlobVersionedHashes = [KzgHash, KzgHash],
        },
        TransactionType.SetCode => new Transaction
        {
            Type = type, ChainId = 1, Nonce = 4, MaxPriorityFeePerGas = 1, MaxFeePerGas = 10, GasLimit = 100_000, To = Recipient,
            AuthorizationList = [SignAuthorization(1, Recipient, 5)],
        },
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    private static Authorization SignAuthorization(ulong chainId, Address delegate_, ulong nonce)
    {
        var unsigned = new Authorization { ChainId = chainId, Address = delegate_, Nonce = nonce, YParity = 0, R = default, S = default };
        EcdsaSignature signature = Secp256k1.Sign(unsigned.SigningHash().Bytes, PrivateKey);
        return new Authorization { ChainId = chainId, Address = delegate_, Nonce = nonce, YParity = signature.RecoveryId, R = signature.R, S = signature.S };
    }

    [Fact]
    public void Eip155ExampleFromTheEip()
    {
        Transaction unsigned = Sample(TransactionType.Legacy);
        Assert.Equal(Hash256.Parse("0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53"), unsigned.SigningHash());

        Transaction signed = Sign(unsigned);
        Assert.Equal(
            "0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83",
            Hex.Encode(signed.Envelope.Span));
        Assert.Equal(37UL, signed.V);
        Assert.True(signed.TryRecoverSender(out Address sender));
        Assert.Equal(Address.Parse("0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F"), sender);
        Assert.Null(TransactionValidator.Validate(signed, TransactionRules.Cancun(1)));
    }

    [Fact]
    public void PreEip155LegacyUsesV27Or28()
    {
        Transaction signed = Sign(Sample(TransactionType.Legacy) with { ChainId = null });
        Assert.True(signed.V is 27 or 28);
        Transaction decoded = Transaction.Decode(signed.Envelope.ToArray());
        Assert.Null(decoded.ChainId);
        Assert.True(decoded.TryRecoverSender(out Address sender));
        Assert.Equal(Signer, sender);
        Assert.Null(TransactionValidator.Validate(decoded, TransactionRules.Cancun(1)));
    }

    [Theory]
    [InlineData(TransactionType.Legacy)]
    [InlineData(TransactionType.AccessList)]
    [InlineData(TransactionType.DynamicFee)]
    [InlineData(TransactionType.Blob)]
    [InlineData(TransactionType.SetCode)]
    public void SignedTransactionsRoundTripAndRecoverTheSigner(TransactionType type)
    {
        Transaction signed = Sign(Sample(type));
        byte[] envelope = signed.Envelope.ToArray();
        if (type != TransactionType.Legacy)
        {
            Assert.Equal((byte)type, envelope[0]);
            Assert.True(signed.V <= 1);
        }

        Transaction decoded = Transaction.Decode(envelope);
        Assert.Equal(signed, decoded);
        Assert.Equal(signed.Hash, decoded.Hash);
        Assert.Equal(Keccak256.Hash(envelope), decoded.Hash);
        Assert.Equal(signed.SigningHash(), decoded.SigningHash());
        Assert.Equal(signed.AccessList, decoded.AccessList);
        Assert.Equal(signed.AuthorizationList, decoded.AuthorizationList);
        Assert.Equal(signed.BlobVersionedHashes, decoded.BlobVersionedHashes);
        Assert.True(decoded.Data.Span.SequenceEqual(signed.Data.Span));
        Assert.True(decoded.TryRecoverSender(out Address sender));
        Assert.Equal(Signer, sender);

        TransactionRules rules = TransactionRules.Prague(1);
        Assert.Null(TransactionValidator.Validate(decoded, rules));
    }

    [Fact]
    public void DecodedCalldataIsASliceOfTheInput()
    {
        byte[] envelope = Sign(Sample(TransactionType.DynamicFee)).Envelope.ToArray();
        Transaction decoded = Transaction.Decode(envelope);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(decoded.Data, out ArraySegment<byte> segment));
        Assert.Same(envelope, segment.Array);
    }

    [Fact]
    public void BlockItemWrapsTypedTransactionsAsByteStrings()
    {
        Transaction legacy = Sign(Sample(TransactionType.Legacy));
        Transaction typed = Sign(Sample(TransactionType.Blob));
        RlpItem list = RlpItem.List(
            RlpCodecHelpers.Raw(legacy.Envelope.ToArray()),
            RlpItem.Bytes(typed.Envelope.Span));
        byte[] encoded = global::Hyperion.Core.Rlp.Rlp.Encode(list);

        var writerBuffer = new byte[encoded.Length];
        var writer = new RlpWriter(writerBuffer);
        writer.WriteListHeader(legacy.BlockItemLength + typed.BlockItemLength);
        legacy.WriteBlockItem(ref writer);
        typed.WriteBlockItem(ref writer);
        Assert.Equal(encoded, writerBuffer);

        var reader = new RlpReader(encoded);
        RlpReader items = reader.EnterList();
        Assert.Equal(legacy, Transaction.ReadBlockItem(ref items, encoded));
        Assert.Equal(typed, Transaction.ReadBlockItem(ref items, encoded));
        Assert.True(items.IsEmpty);
    }

    [Fact]
    public void DepositTransactionEncodesTheOpStackFieldOrderAndHashesTheEnvelope()
    {
        var deposit = new Transaction
        {
            Type = TransactionType.Deposit,
            SourceHash = KzgHash,
            From = Signer,
            To = null,
            Mint = 1_000_000,
            Value = 7,
            GasLimit = 90_000,
            IsSystemTransaction = true,
            Data = new byte[] { 0xde, 0xad },
        };
        byte[] rlp = global::Hyperion.Core.Rlp.Rlp.Encode(RlpItem.List(
            RlpItem.Bytes(KzgHash.Bytes), RlpItem.Bytes(Signer.Bytes), RlpItem.Bytes([]), RlpItem.UInt64(1_000_000),
            RlpItem.UInt64(7), RlpItem.UInt64(90_000), RlpItem.UInt64(1), RlpItem.Bytes([0xde, 0xad])));
        byte[] expected = [0x7e, .. rlp];
        Assert.Equal(expected, deposit.Envelope.ToArray());
        Assert.Equal(Keccak256.Hash(expected), deposit.Hash);

        Transaction decoded = Transaction.Decode(expected);
        Assert.Equal(deposit, decoded);
        Assert.True(decoded.IsCreate);
        Assert.True(decoded.IsSystemTransaction);
        Assert.True(decoded.TryRecoverSender(out Address sender));
        Assert.Equal(Signer, sender);
        Assert.Throws<InvalidOperationException>(() => decoded.SigningHash());

        Assert.NotNull(TransactionValidator.Validate(decoded, TransactionRules.Cancun(1)));
        Assert.Null(TransactionValidator.Validate(decoded, TransactionRules.Cancun(1) with { AllowDeposits = true }));
    }

    [Fact]
    public void AuthorityIsRecoveredFromTheMagicPrefixedTuple()
    {
        Authorization authorization = SignAuthorization(0, Recipient, 42);
        int content = 1 + 1 + Address.Size + 1;
        byte[] message = [Authorization.Magic, (byte)(0xc0 + content), 0x80, 0x94, .. Recipient.Bytes, 42];
        Assert.Equal(Keccak256.Hash(message), authorization.SigningHash());
        Assert.True(authorization.TryRecoverAuthority(out Address authority));
        Assert.Equal(Signer, authority);

        Authorization badParity = new() { ChainId = 0, Address = Recipient, Nonce = 42, YParity = 2, R = authorization.R, S = authorization.S };
        Assert.False(badParity.TryRecoverAuthority(out _));
        Authorization highS = new() { ChainId = 0, Address = Recipient, Nonce = 42, YParity = authorization.YParity, R = authorization.R, S = Secp256k1.CurveOrder - authorization.S };
        Assert.False(highS.TryRecoverAuthority(out _));
    }

    [Fact]
    public void ValidationRejectsMalformedTypedTransactions()
    {
        TransactionRules cancun = TransactionRules.Cancun(1);
        TransactionRules prague = TransactionRules.Prague(1);
        Transaction blob = Sign(Sample(TransactionType.Blob));
        Transaction setCode = Sign(Sample(TransactionType.SetCode));
        Transaction dynamic = Sign(Sample(TransactionType.DynamicFee));

        Assert.Null(TransactionValidator.Validate(blob, cancun));
        Assert.Contains("at least one", TransactionValidator.Validate(Sign(Sample(TransactionType.Blob) with { BlobVersionedHashes = [] }), cancun));
        Assert.Contains("version", TransactionValidator.Validate(Sign(Sample(TransactionType.Blob) with { BlobVersionedHashes = [Hash256.Zero] }), cancun));
        Assert.Contains("'to'", TransactionValidator.Validate(Sign(Sample(TransactionType.Blob) with { To = null }), cancun));
        Assert.Contains("limit", TransactionValidator.Validate(Sign(Sample(TransactionType.Blob) with { BlobVersionedHashes = Enumerable.Repeat(KzgHash, 7).ToArray() }), cancun));

        Assert.Contains("not supported", TransactionValidator.Validate(setCode, cancun));
        Assert.Null(TransactionValidator.Validate(setCode, prague));
        Assert.Contains("non-empty", TransactionValidator.Validate(Sign(Sample(TransactionType.SetCode) with { AuthorizationList = [] }), prague));
        Assert.Contains("'to'", TransactionValidator.Validate(Sign(Sample(TransactionType.SetCode) with { To = null }), prague));

        Assert.Contains("priority", TransactionValidator.Validate(Sign(Sample(TransactionType.DynamicFee) with { MaxPriorityFeePerGas = 101 }), cancun));
        Assert.Contains("chain id", TransactionValidator.Validate(dynamic, TransactionRules.Cancun(5)));
        Assert.Contains("y parity", TransactionValidator.Validate(dynamic with { V = 2 }, cancun));
        Assert.Contains("n/2", TransactionValidator.Validate(dynamic with { S = Secp256k1.CurveOrder - dynamic.S, V = dynamic.V ^ 1 }, cancun));
        Assert.Contains("intrinsic", TransactionValidator.Validate(Sign(Sample(TransactionType.DynamicFee) with { GasLimit = 53_000 }), cancun));
        Assert.Contains("not supported", TransactionValidator.Validate(blob, TransactionRules.Shanghai(1)));
    }

    [Fact]
    public void DecodingRejectsMalformedEnvelopes()
    {
        byte[] typed = Sign(Sample(TransactionType.DynamicFee)).Envelope.ToArray();
        Assert.Throws<RlpException>(() => Transaction.Decode(typed.Concat(new byte[] { 0 }).ToArray()));
        Assert.Throws<RlpException>(() => Transaction.Decode(typed.AsMemory(0, typed.Length - 1)));
        byte[] unknown = [0x05, .. typed[1..]];
        Assert.Throws<RlpException>(() => Transaction.Decode(unknown));
        Assert.Throws<RlpException>(() => Transaction.Decode(new byte[] { 0x80 }));
        Assert.Throws<RlpException>(() => Transaction.Decode(ReadOnlyMemory<byte>.Empty));
        Assert.False(Transaction.TryDecode(new byte[] { 0x02, 0xc0 }, out _, out string? error));
        Assert.Contains("end of input", error);
    }

    [Fact]
    public void EffectiveGasPriceIsCappedByTheFeeCap()
    {
        Transaction dynamic = Sample(TransactionType.DynamicFee);
        Assert.Equal((UInt256)52, dynamic.EffectiveGasPrice(50));
        Assert.Equal((UInt256)100, dynamic.EffectiveGasPrice(99));
        Assert.Equal((UInt256)20_000_000_000UL, Sample(TransactionType.Legacy).EffectiveGasPrice(7));
    }

    [Fact]
    public void IntrinsicGasCountsAuthorizationsAndTheCalldataFloor()
    {
        Assert.Equal(21000 + 25000 * 2, IntrinsicGas.Calculate([], isCreate: false, 0, 0, chargeInitCodeWords: true, authorizations: 2));
        Assert.Equal(21000 + 10 * (1 + 4), IntrinsicGas.CalldataFloor([0, 9]));
        Assert.Equal(53000 + 4 * 33 + 2 * 2, IntrinsicGas.Calculate(new byte[33], isCreate: true, 0, 0, chargeInitCodeWords: true));
        Assert.Equal(53000 + 4 * 33, IntrinsicGas.Calculate(new byte[33], isCreate: true, 0, 0, chargeInitCodeWords: false));
    }

    // ---- Decoders under bad input (issue 18): a raw transaction, a block or a receipt that is malformed is an
    // RlpException (the typed decode error RPC answers -32602 with), never another exception; what decodes re-decodes
    // to the same thing.

    private static readonly TransactionType[] SignedTypes =
        [TransactionType.Legacy, TransactionType.AccessList, TransactionType.DynamicFee, TransactionType.Blob, TransactionType.SetCode];

    /// <summary>A valid encoding changed at one place: a byte flipped, inserted or removed, or the tail cut.</summary>
    private static readonly Gen<(int Which, int Kind, int At, byte Value)> GenMutation =
        Gen.Select(Gen.Int[0, 1000], Gen.Int[0, 3], Gen.Int[0, int.MaxValue], Gen.Byte);

    private static byte[] Mutate(byte[] valid, (int Which, int Kind, int At, byte Value) m)
    {
        int at = m.At % (valid.Length + 1);
        return m.Kind switch
        {
            0 when at < valid.Length => [.. valid[..at], (byte)(valid[at] ^ (m.Value | 1)), .. valid[(at + 1)..]],
            1 => [.. valid[..at], m.Value, .. valid[at..]],
            2 when at < valid.Length => [.. valid[..at], .. valid[(at + 1)..]],
            _ => valid[..at],
        };
    }

    private static void DecodesOrThrowsRlpException<T>(byte[] input, Func<byte[], T> decode, Action<T>? check = null)
    {
        T decoded;
        try
        {
            decoded = decode(input);
        }
        catch (RlpException)
        {
            return;
        }

        check?.Invoke(decoded);
    }

    [Fact]
    public void Mutated_raw_transactions_decode_or_fail_with_an_rlp_error()
    {
        byte[][] valid = [.. SignedTypes.Select(t => Sign(Sample(t)).Envelope.ToArray())];
        GenMutation.Sample(m =>
        {
            byte[] input = Mutate(valid[m.Which % valid.Length], m);
            DecodesOrThrowsRlpException(input, bytes => Transaction.Decode(bytes), tx =>
            {
                Assert.Equal(Keccak256.Hash(input), tx.Hash);
                Assert.Equal(tx, Transaction.Decode(tx.Envelope.ToArray()));
                _ = tx.TryRecoverSender(out _); // a bad signature is a false, not an exception
            });
        }, iter: 10_000);
    }

    [Fact]
    public void Random_bytes_as_a_raw_transaction_receipt_or_block_fail_with_an_rlp_error()
    {
        byte[] prefixes = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x7e, 0x7f, 0xc0, 0xf8, 0xf9];
        Gen.Select(Gen.Int[0, prefixes.Length - 1], Gen.Byte.Array[0, 200]).Sample((prefix, body) =>
        {
            byte[] input = [prefixes[prefix], .. body];
            DecodesOrThrowsRlpException(input, bytes => Transaction.Decode(bytes));
            DecodesOrThrowsRlpException(input, bytes => Receipt.DecodeEnvelope(bytes));
            DecodesOrThrowsRlpException(input, bytes => Block.Decode(bytes));
        }, iter: 10_000);
    }

    [Fact]
    public void Mutated_blocks_decode_or_fail_with_an_rlp_error()
    {
        var header = new BlockHeader { ParentHash = Hash256.Zero, Number = 7, GasLimit = 30_000_000, Timestamp = 12, BaseFeePerGas = 7 };
        byte[] valid = new Block(header, new BlockBody([.. SignedTypes.Select(t => Sign(Sample(t)))], [], [])).Encode();
        Assert.Equal(valid, Block.Decode(valid).Encode());
        GenMutation.Sample(m =>
        {
            byte[] input = Mutate(valid, m);
            DecodesOrThrowsRlpException(input, bytes => Block.Decode(bytes), block => Assert.Equal(input, block.Encode()));
        }, iter: 5_000);
    }
}

internal static class RlpCodecHelpers
{
    /// <summary>Already-encoded RLP as a tree item (decodes it, so the tree re-encodes to the same bytes).</summary>
    public static RlpItem Raw(byte[] encoded) => global::Hyperion.Core.Rlp.Rlp.Decode(encoded);
}
