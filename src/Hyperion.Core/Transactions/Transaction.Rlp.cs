using System.Buffers;
using Hyperion.Core.Crypto;
using Hyperion.Core.Rlp;
using RlpCodec = Hyperion.Core.Rlp.Rlp;

namespace Hyperion.Core.Transactions;

/// <summary>
/// Encoding and decoding. The network form ("envelope") of a typed transaction is <c>type || rlp(payload)</c>
/// (EIP-2718) and of a legacy one the RLP list itself; in a block body a typed transaction is that envelope wrapped
/// as an RLP byte string. Decoding is strict (canonical RLP only, exact field counts, 20-byte addresses).
/// </summary>
public sealed partial record Transaction
{
    /// <summary>The network encoding; for a decoded transaction, the slice of the input it was decoded from.</summary>
    public ReadOnlyMemory<byte> Envelope => _decodedEnvelope.IsEmpty ? _encoded ??= EncodeEnvelope() : _decodedEnvelope;

    /// <summary>Size of the encoding inside a block body's transaction list.</summary>
    public int BlockItemLength =>
        Type == TransactionType.Legacy ? Envelope.Length : RlpCodec.LengthOfBytes(Envelope.Span);

    /// <summary>Writes the transaction as an item of a block body's transaction list.</summary>
    public void WriteBlockItem(ref RlpWriter writer)
    {
        if (Type == TransactionType.Legacy)
        {
            writer.WriteRaw(Envelope.Span);
        }
        else
        {
            writer.WriteBytes(Envelope.Span);
        }
    }

    /// <summary>
    /// The hash the sender signs: keccak256 of the legacy fields (plus chainId, 0, 0 under EIP-155), or of
    /// <c>type || rlp(payload without y_parity, r, s)</c>.
    /// </summary>
    public Hash256 SigningHash()
    {
        if (Type == TransactionType.Deposit)
        {
            throw new InvalidOperationException("A deposit transaction is not signed; it has no signing hash.");
        }

        int content = ContentLength(forSigning: true);
        int prefix = Type == TransactionType.Legacy ? 0 : 1;
        int length = prefix + RlpCodec.LengthOfList(content);
        byte[] rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Span<byte> buffer = rented.AsSpan(0, length);
            buffer[0] = (byte)Type;
            var writer = new RlpWriter(buffer[prefix..]);
            WritePayload(ref writer, content, forSigning: true);
            return Keccak256.Hash(buffer);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Decodes a transaction in network form (a raw transaction as sent to eth_sendRawTransaction).</summary>
    /// <exception cref="RlpException">Malformed or non-canonical encoding, unknown type, or trailing bytes.</exception>
    public static Transaction Decode(ReadOnlyMemory<byte> envelope) => DecodeEnvelope(envelope, 0, envelope.Length);

    /// <summary>Like <see cref="Decode"/>, returning the reason instead of throwing.</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> envelope, out Transaction? transaction, out string? error)
    {
        try
        {
            transaction = Decode(envelope);
            error = null;
            return true;
        }
        catch (RlpException e)
        {
            transaction = null;
            error = e.Message;
            return false;
        }
    }

    /// <summary>
    /// Decodes a raw transaction as submitted to a pool (eth_sendRawTransaction). A blob transaction in its network
    /// form, <c>0x03 || rlp([tx_payload_body, blobs, commitments, proofs])</c>, yields its <paramref name="sidecar"/>
    /// and the transaction in canonical form (what a block holds and the hash covers); any other input decodes as
    /// <see cref="TryDecode"/> with a null sidecar.
    /// </summary>
    public static bool TryDecodeNetwork(ReadOnlyMemory<byte> raw, out Transaction? transaction, out BlobSidecar? sidecar, out string? error)
    {
        sidecar = null;
        if (raw.Length < 2 || raw.Span[0] != (byte)TransactionType.Blob)
        {
            return TryDecode(raw, out transaction, out error);
        }

        try
        {
            var reader = new RlpReader(raw.Span[1..]);
            RlpReader wrapper = reader.EnterList();
            if (!wrapper.PeekIsList)
            {
                // The canonical form: the list's first item is the chain id, not the payload list.
                return TryDecode(raw, out transaction, out error);
            }

            ReadOnlySpan<byte> payload = wrapper.ReadRawItem();
            byte[] canonical = new byte[payload.Length + 1];
            canonical[0] = (byte)TransactionType.Blob;
            payload.CopyTo(canonical.AsSpan(1));
            byte[][] blobs = ReadFixedItems(ref wrapper, BlobSidecar.BlobLength, "blob");
            byte[][] commitments = ReadFixedItems(ref wrapper, BlobSidecar.PointLength, "commitment");
            byte[][] proofs = ReadFixedItems(ref wrapper, BlobSidecar.PointLength, "proof");
            wrapper.EnsureEnd();
            reader.EnsureEnd();
            transaction = Decode(canonical);
            sidecar = new BlobSidecar(blobs, commitments, proofs);
            error = null;
            return true;
        }
        catch (RlpException e)
        {
            transaction = null;
            sidecar = null;
            error = e.Message;
            return false;
        }
    }

    /// <summary>The network form of a blob transaction with its sidecar (the inverse of <see cref="TryDecodeNetwork"/>).</summary>
    public byte[] EncodeNetwork(BlobSidecar sidecar)
    {
        ArgumentNullException.ThrowIfNull(sidecar);
        if (Type != TransactionType.Blob)
        {
            throw new InvalidOperationException("Only a blob transaction has a network form with a sidecar.");
        }

        ReadOnlySpan<byte> payload = Envelope.Span[1..];
        int blobs = ListOfItemsLength(sidecar.Blobs), commitments = ListOfItemsLength(sidecar.Commitments), proofs = ListOfItemsLength(sidecar.Proofs);
        int content = payload.Length + RlpCodec.LengthOfList(blobs) + RlpCodec.LengthOfList(commitments) + RlpCodec.LengthOfList(proofs);
        byte[] encoded = new byte[1 + RlpCodec.LengthOfList(content)];
        encoded[0] = (byte)TransactionType.Blob;
        var writer = new RlpWriter(encoded.AsSpan(1));
        writer.WriteListHeader(content);
        writer.WriteRaw(payload);
        WriteItems(ref writer, sidecar.Blobs, blobs);
        WriteItems(ref writer, sidecar.Commitments, commitments);
        WriteItems(ref writer, sidecar.Proofs, proofs);
        return encoded;
    }

    private static int ListOfItemsLength(IReadOnlyList<byte[]> items) => items.Sum(item => RlpCodec.LengthOfBytes(item));

    private static void WriteItems(ref RlpWriter writer, IReadOnlyList<byte[]> items, int contentLength)
    {
        writer.WriteListHeader(contentLength);
        foreach (byte[] item in items)
        {
            writer.WriteBytes(item);
        }
    }

    private static byte[][] ReadFixedItems(ref RlpReader wrapper, int length, string what)
    {
        RlpReader list = wrapper.EnterList();
        var items = new List<byte[]>();
        while (!list.IsEmpty)
        {
            ReadOnlySpan<byte> item = list.ReadBytes();
            if (item.Length != length)
            {
                throw new RlpException($"Invalid blob transaction sidecar: {what} {items.Count} has {item.Length} bytes, expected {length}.");
            }

            items.Add(item.ToArray());
        }

        return [.. items];
    }

    /// <summary>
    /// Reads one item of a block body's transaction list. <paramref name="source"/> is the buffer the outermost
    /// reader was created over (so that calldata can be sliced from it without copying).
    /// </summary>
    public static Transaction ReadBlockItem(ref RlpReader reader, ReadOnlyMemory<byte> source)
    {
        if (reader.PeekIsList)
        {
            int start = reader.Position;
            int length = reader.ReadRawItem().Length;
            return DecodeEnvelope(source, start, length);
        }

        int itemStart = reader.Position;
        ReadOnlySpan<byte> envelope = reader.ReadBytes();
        if (envelope.Length == 0 || envelope[0] >= 0x80)
        {
            throw new RlpException($"Invalid transaction at offset {itemStart}: a byte string in a block's transaction list must hold a typed transaction (type byte below 0x80).");
        }

        return DecodeEnvelope(source, reader.Position - envelope.Length, envelope.Length);
    }

    private static Transaction DecodeEnvelope(ReadOnlyMemory<byte> source, int offset, int length)
    {
        ReadOnlySpan<byte> envelope = source.Span.Slice(offset, length);
        if (envelope.IsEmpty)
        {
            throw new RlpException($"Invalid transaction at offset {offset}: empty input.");
        }

        byte first = envelope[0];
        Transaction transaction;
        if (first >= 0xc0)
        {
            var reader = new RlpReader(envelope);
            RlpReader fields = reader.EnterList();
            transaction = ReadLegacy(ref fields, source, offset);
            fields.EnsureEnd();
            reader.EnsureEnd();
        }
        else if (first < 0x80)
        {
            var type = (TransactionType)first;
            var reader = new RlpReader(envelope[1..]);
            RlpReader fields = reader.EnterList();
            int fieldsBase = offset + 1;
            transaction = type switch
            {
                TransactionType.AccessList or TransactionType.DynamicFee or TransactionType.Blob or TransactionType.SetCode =>
                    ReadTyped(type, ref fields, source, fieldsBase),
                TransactionType.Deposit => ReadDeposit(ref fields, source, fieldsBase),
                _ => throw new RlpException($"Invalid transaction at offset {offset}: unknown transaction type 0x{first:x2}."),
            };
            fields.EnsureEnd();
            reader.EnsureEnd();
        }
        else
        {
            throw new RlpException($"Invalid transaction at offset {offset}: expected an RLP list (legacy) or a type byte below 0x80, found 0x{first:x2}.");
        }

        transaction._decodedEnvelope = source.Slice(offset, length);
        return transaction;
    }

    private static Transaction ReadLegacy(ref RlpReader fields, ReadOnlyMemory<byte> source, int baseOffset)
    {
        ulong nonce = fields.ReadUInt64();
        UInt256 gasPrice = fields.ReadUInt256();
        ulong gasLimit = fields.ReadUInt64();
        Address? to = ReadTo(ref fields, baseOffset);
        UInt256 value = fields.ReadUInt256();
        ReadOnlyMemory<byte> data = ReadData(ref fields, source, baseOffset);
        ulong v = fields.ReadUInt64();
        UInt256 r = fields.ReadUInt256();
        UInt256 s = fields.ReadUInt256();
        return new Transaction
        {
            Type = TransactionType.Legacy,
            ChainId = v >= 35 ? (v - 35) / 2 : null,
            Nonce = nonce,
            GasPrice = gasPrice,
            GasLimit = gasLimit,
            To = to,
            Value = value,
            Data = data,
            V = v,
            R = r,
            S = s,
        };
    }

    private static Transaction ReadTyped(TransactionType type, ref RlpReader fields, ReadOnlyMemory<byte> source, int baseOffset)
    {
        ulong chainId = fields.ReadUInt64();
        ulong nonce = fields.ReadUInt64();
        UInt256 gasPrice = default, maxPriorityFee = default, maxFee = default;
        if (type == TransactionType.AccessList)
        {
            gasPrice = fields.ReadUInt256();
        }
        else
        {
            maxPriorityFee = fields.ReadUInt256();
            maxFee = fields.ReadUInt256();
        }

        ulong gasLimit = fields.ReadUInt64();
        Address? to = ReadTo(ref fields, baseOffset);
        UInt256 value = fields.ReadUInt256();
        ReadOnlyMemory<byte> data = ReadData(ref fields, source, baseOffset);
        AccessListEntry[] accessList = AccessListEntry.Read(ref fields);
        UInt256 maxFeePerBlobGas = default;
        Hash256[] blobHashes = [];
        Authorization[] authorizations = [];
        if (type == TransactionType.Blob)
        {
            maxFeePerBlobGas = fields.ReadUInt256();
            RlpReader hashes = fields.EnterList();
            blobHashes = new Hash256[AccessListEntry.CountFixedItems(hashes, Hash256.Size)];
            for (int i = 0; i < blobHashes.Length; i++)
            {
                blobHashes[i] = hashes.ReadHash();
            }

            hashes.EnsureEnd();
        }
        else if (type == TransactionType.SetCode)
        {
            authorizations = Authorization.ReadList(ref fields);
        }

        ulong yParity = fields.ReadUInt64();
        UInt256 r = fields.ReadUInt256();
        UInt256 s = fields.ReadUInt256();
        return new Transaction
        {
            Type = type,
            ChainId = chainId,
            Nonce = nonce,
            GasPrice = gasPrice,
            MaxPriorityFeePerGas = maxPriorityFee,
            MaxFeePerGas = maxFee,
            GasLimit = gasLimit,
            To = to,
            Value = value,
            Data = data,
            AccessList = accessList,
            MaxFeePerBlobGas = maxFeePerBlobGas,
            BlobVersionedHashes = blobHashes,
            AuthorizationList = authorizations,
            V = yParity,
            R = r,
            S = s,
        };
    }

    private static Transaction ReadDeposit(ref RlpReader fields, ReadOnlyMemory<byte> source, int baseOffset)
    {
        Hash256 sourceHash = fields.ReadHash();
        Address from = fields.ReadAddress();
        Address? to = ReadTo(ref fields, baseOffset);
        UInt256 mint = fields.ReadUInt256();
        UInt256 value = fields.ReadUInt256();
        ulong gasLimit = fields.ReadUInt64();
        int flagOffset = baseOffset + fields.Position;
        ulong isSystem = fields.ReadUInt64();
        if (isSystem > 1)
        {
            throw new RlpException($"Invalid transaction at offset {flagOffset}: isSystemTx must be 0 or 1, found {isSystem}.");
        }

        ReadOnlyMemory<byte> data = ReadData(ref fields, source, baseOffset);
        return new Transaction
        {
            Type = TransactionType.Deposit,
            SourceHash = sourceHash,
            From = from,
            To = to,
            Mint = mint,
            Value = value,
            GasLimit = gasLimit,
            IsSystemTransaction = isSystem == 1,
            Data = data,
        };
    }

    private static Address? ReadTo(ref RlpReader fields, int baseOffset)
    {
        int start = baseOffset + fields.Position;
        ReadOnlySpan<byte> bytes = fields.ReadBytes();
        return bytes.Length switch
        {
            0 => null,
            Address.Size => new Address(bytes),
            _ => throw new RlpException($"Invalid transaction at offset {start}: 'to' must be empty or a {Address.Size}-byte address, found {bytes.Length} bytes."),
        };
    }

    private static ReadOnlyMemory<byte> ReadData(ref RlpReader fields, ReadOnlyMemory<byte> source, int baseOffset)
    {
        int length = fields.ReadBytes().Length;
        return source.Slice(baseOffset + fields.Position - length, length);
    }

    private byte[] EncodeEnvelope()
    {
        int content = ContentLength(forSigning: false);
        int prefix = Type == TransactionType.Legacy ? 0 : 1;
        var result = new byte[prefix + RlpCodec.LengthOfList(content)];
        result[0] = (byte)Type;
        var writer = new RlpWriter(result.AsSpan(prefix));
        WritePayload(ref writer, content, forSigning: false);
        return result;
    }

    private int ToLength => To is null ? 1 : 1 + Address.Size;

    private int ContentLength(bool forSigning)
    {
        int length;
        switch (Type)
        {
            case TransactionType.Legacy:
                length = RlpCodec.LengthOf(Nonce) + RlpCodec.LengthOf(GasPrice) + RlpCodec.LengthOf(GasLimit) + ToLength +
                    RlpCodec.LengthOf(Value) + RlpCodec.LengthOfBytes(Data.Span);
                if (!forSigning)
                {
                    length += RlpCodec.LengthOf(V) + RlpCodec.LengthOf(R) + RlpCodec.LengthOf(S);
                }
                else if (ChainId is ulong chainId)
                {
                    length += RlpCodec.LengthOf(chainId) + 2;
                }

                return length;

            case TransactionType.Deposit:
                return 1 + Hash256.Size + 1 + Address.Size + ToLength + RlpCodec.LengthOf(Mint) + RlpCodec.LengthOf(Value) +
                    RlpCodec.LengthOf(GasLimit) + 1 + RlpCodec.LengthOfBytes(Data.Span);

            default:
                length = RlpCodec.LengthOf(ChainId.GetValueOrDefault()) + RlpCodec.LengthOf(Nonce);
                length += Type == TransactionType.AccessList
                    ? RlpCodec.LengthOf(GasPrice)
                    : RlpCodec.LengthOf(MaxPriorityFeePerGas) + RlpCodec.LengthOf(MaxFeePerGas);
                length += RlpCodec.LengthOf(GasLimit) + ToLength + RlpCodec.LengthOf(Value) + RlpCodec.LengthOfBytes(Data.Span) +
                    RlpCodec.LengthOfList(AccessListEntry.ContentLength(AccessList));
                if (Type == TransactionType.Blob)
                {
                    length += RlpCodec.LengthOf(MaxFeePerBlobGas) + RlpCodec.LengthOfList(BlobVersionedHashes.Length * (1 + Hash256.Size));
                }
                else if (Type == TransactionType.SetCode)
                {
                    length += RlpCodec.LengthOfList(Authorization.ListContentLength(AuthorizationList));
                }

                if (!forSigning)
                {
                    length += RlpCodec.LengthOf(V) + RlpCodec.LengthOf(R) + RlpCodec.LengthOf(S);
                }

                return length;
        }
    }

    private void WritePayload(ref RlpWriter writer, int contentLength, bool forSigning)
    {
        writer.WriteListHeader(contentLength);
        switch (Type)
        {
            case TransactionType.Legacy:
                writer.WriteUInt64(Nonce);
                writer.WriteUInt256(GasPrice);
                writer.WriteUInt64(GasLimit);
                WriteTo(ref writer);
                writer.WriteUInt256(Value);
                writer.WriteBytes(Data.Span);
                if (!forSigning)
                {
                    WriteSignature(ref writer);
                }
                else if (ChainId is ulong chainId)
                {
                    writer.WriteUInt64(chainId);
                    writer.WriteUInt64(0);
                    writer.WriteUInt64(0);
                }

                return;

            case TransactionType.Deposit:
                writer.WriteHash(SourceHash);
                writer.WriteAddress(From);
                WriteTo(ref writer);
                writer.WriteUInt256(Mint);
                writer.WriteUInt256(Value);
                writer.WriteUInt64(GasLimit);
                writer.WriteUInt64(IsSystemTransaction ? 1UL : 0UL);
                writer.WriteBytes(Data.Span);
                return;

            default:
                writer.WriteUInt64(ChainId.GetValueOrDefault());
                writer.WriteUInt64(Nonce);
                if (Type == TransactionType.AccessList)
                {
                    writer.WriteUInt256(GasPrice);
                }
                else
                {
                    writer.WriteUInt256(MaxPriorityFeePerGas);
                    writer.WriteUInt256(MaxFeePerGas);
                }

                writer.WriteUInt64(GasLimit);
                WriteTo(ref writer);
                writer.WriteUInt256(Value);
                writer.WriteBytes(Data.Span);
                AccessListEntry.Write(ref writer, AccessList);
                if (Type == TransactionType.Blob)
                {
                    writer.WriteUInt256(MaxFeePerBlobGas);
                    writer.WriteListHeader(BlobVersionedHashes.Length * (1 + Hash256.Size));
                    foreach (Hash256 hash in BlobVersionedHashes)
                    {
                        writer.WriteHash(hash);
                    }
                }
                else if (Type == TransactionType.SetCode)
                {
                    Authorization.WriteList(ref writer, AuthorizationList);
                }

                if (!forSigning)
                {
                    WriteSignature(ref writer);
                }

                return;
        }
    }

    private void WriteTo(ref RlpWriter writer)
    {
        if (To is Address to)
        {
            writer.WriteAddress(to);
        }
        else
        {
            writer.WriteBytes([]);
        }
    }

    private void WriteSignature(ref RlpWriter writer)
    {
        writer.WriteUInt64(V);
        writer.WriteUInt256(R);
        writer.WriteUInt256(S);
    }
}
