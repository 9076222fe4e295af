using Hyperion.Core;
using Hyperion.Core.Rlp;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.Config;

namespace Hyperion.Rollup.Derivation;

/// <summary>
/// The <c>txs</c> section of a span batch (span-batches.md "Span batch format"): contract_creation_bits ++
/// y_parity_bits ++ tx_sigs ++ tx_tos ++ tx_datas ++ tx_nonces ++ tx_gases ++ protected_bits, converting between
/// that layout and full EIP-2718 transaction encodings. Types 0, 1, 2 and 4 are representable; the chain id is the
/// L2 chain's and is not stored.
/// </summary>
internal static class SpanBatchTransactions
{
    // tx_data field positions, per type, in the full transaction's RLP list.
    private static readonly int[] LegacyDataFields = [4, 1, 5];            // value, gasPrice, data
    private static readonly int[] AccessListDataFields = [5, 2, 6, 7];     // value, gasPrice, data, accessList
    private static readonly int[] DynamicFeeDataFields = [6, 2, 3, 7, 8];  // value, maxPriorityFee, maxFee, data, accessList
    private static readonly int[] SetCodeDataFields = [6, 2, 3, 7, 8, 9];  // ... and authorizationList

    public static void Encode(SpanBatchWriter writer, IReadOnlyList<ReadOnlyMemory<byte>> transactions, ulong chainId)
    {
        int count = transactions.Count;
        var creation = new bool[count];
        var yParity = new bool[count];
        List<bool> protectedBits = [];
        var sigs = new byte[count * 64];
        List<Address> tos = [];
        List<byte[]> datas = [];
        var nonces = new ulong[count];
        var gases = new ulong[count];
        for (int i = 0; i < count; i++)
        {
            if (!Transaction.TryDecode(transactions[i], out Transaction? tx, out string? error))
            {
                throw new ArgumentException($"transaction {i} cannot be decoded: {error}", nameof(transactions));
            }

            if (tx!.Type is not (TransactionType.Legacy or TransactionType.AccessList or TransactionType.DynamicFee or TransactionType.SetCode))
            {
                throw new ArgumentException($"transaction {i} has type {tx.Type}, which a span batch cannot carry", nameof(transactions));
            }

            bool isProtected = tx.Type != TransactionType.Legacy || tx.V is not (27 or 28);
            if (isProtected && tx.ChainId != chainId)
            {
                throw new ArgumentException($"transaction {i} has chain id {tx.ChainId}, expected {chainId}", nameof(transactions));
            }

            if (tx.Type == TransactionType.Legacy)
            {
                protectedBits.Add(isProtected);
                yParity[i] = isProtected ? ((tx.V - 35) & 1) == 1 : tx.V == 28;
            }
            else
            {
                yParity[i] = tx.V == 1;
            }

            creation[i] = tx.To is null;
            if (tx.To is Address to)
            {
                tos.Add(to);
            }

            tx.R.WriteBigEndian(sigs.AsSpan(i * 64, 32));
            tx.S.WriteBigEndian(sigs.AsSpan((i * 64) + 32, 32));
            nonces[i] = tx.Nonce;
            gases[i] = tx.GasLimit;
            datas.Add(TxData(tx));
        }

        writer.WriteBits(creation);
        writer.WriteBits(yParity);
        writer.WriteBytes(sigs);
        foreach (Address to in tos)
        {
            writer.WriteBytes(to.Bytes);
        }

        foreach (byte[] data in datas)
        {
            writer.WriteBytes(data);
        }

        foreach (ulong nonce in nonces)
        {
            writer.WriteUvarint(nonce);
        }

        foreach (ulong gas in gases)
        {
            writer.WriteUvarint(gas);
        }

        writer.WriteBits([.. protectedBits]);
    }

    /// <summary>Reads <paramref name="count"/> transactions and returns their full EIP-2718 encodings.</summary>
    public static byte[][] Decode(ref SpanBatchReader reader, int count, ulong chainId)
    {
        bool[] creation = reader.ReadBits(count);
        bool[] yParity = reader.ReadBits(count);
        ReadOnlySpan<byte> sigs = reader.ReadBytes(checked(count * 64), "tx signatures");
        int creations = creation.Count(c => c);
        ReadOnlySpan<byte> tos = reader.ReadBytes((count - creations) * Address.Size, "tx recipients");
        var datas = new (byte Type, byte[] Fields)[count];
        int legacyCount = 0;
        for (int i = 0; i < count; i++)
        {
            datas[i] = reader.ReadTxData();
            if (datas[i].Type == 0)
            {
                legacyCount++;
            }
        }

        ulong[] nonces = ReadUvarints(ref reader, count);
        ulong[] gases = ReadUvarints(ref reader, count);
        bool[] protectedBits = reader.ReadBits(legacyCount);

        var result = new byte[count][];
        int toIndex = 0;
        int legacyIndex = 0;
        for (int i = 0; i < count; i++)
        {
            byte[]? to = creation[i] ? null : tos.Slice(toIndex++ * Address.Size, Address.Size).ToArray();
            ReadOnlySpan<byte> r = sigs.Slice(i * 64, 32);
            ReadOnlySpan<byte> s = sigs.Slice((i * 64) + 32, 32);
            ulong v = datas[i].Type != 0 ? (yParity[i] ? 1UL : 0UL)
                : protectedBits[legacyIndex++] ? unchecked((chainId * 2) + 35 + (yParity[i] ? 1UL : 0UL))
                : yParity[i] ? 28UL : 27UL;
            result[i] = FullTransaction(datas[i].Type, datas[i].Fields, chainId, nonces[i], gases[i], to, v, r, s);
        }

        return result;
    }

    private static ulong[] ReadUvarints(ref SpanBatchReader reader, int count)
    {
        var values = new ulong[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = reader.ReadUvarint();
        }

        return values;
    }

    /// <summary><c>tx_data</c>: the type byte (none for legacy) and the RLP list of the type's variable fields.</summary>
    private static byte[] TxData(Transaction tx)
    {
        ReadOnlySpan<byte> envelope = tx.Envelope.Span;
        bool typed = tx.Type != TransactionType.Legacy;
        List<byte[]> fields = RawListItems(typed ? envelope[1..] : envelope);
        int[] positions = tx.Type switch
        {
            TransactionType.Legacy => LegacyDataFields,
            TransactionType.AccessList => AccessListDataFields,
            TransactionType.DynamicFee => DynamicFeeDataFields,
            _ => SetCodeDataFields,
        };
        byte[] list = Rlp.EncodeList([.. positions.Select(p => fields[p])]);
        return typed ? [(byte)tx.Type, .. list] : list;
    }

    private static byte[] FullTransaction(byte type, byte[] fieldsList, ulong chainId, ulong nonce, ulong gas, byte[]? to, ulong v, ReadOnlySpan<byte> r, ReadOnlySpan<byte> s)
    {
        List<byte[]> f;
        try
        {
            f = RawListItems(fieldsList);
        }
        catch (RlpException e)
        {
            throw new RollupDecodeException($"span batch tx_data is not an RLP list: {e.Message}", e);
        }

        int expected = type switch { 0 => 3, 1 => 4, 2 => 5, 4 => 6, _ => throw new RollupDecodeException($"span batch transaction has unsupported type {type}") };
        if (f.Count != expected)
        {
            throw new RollupDecodeException($"span batch tx_data of type {type} has {f.Count} fields, expected {expected}");
        }

        byte[] toItem = Rlp.EncodeBytes(to ?? []);
        byte[] vItem = Rlp.EncodeUInt64(v);
        byte[] rItem = EncodeInteger(r);
        byte[] sItem = EncodeInteger(s);
        byte[] nonceItem = Rlp.EncodeUInt64(nonce);
        byte[] gasItem = Rlp.EncodeUInt64(gas);
        byte[] chainItem = Rlp.EncodeUInt64(chainId);
        byte[] body = type switch
        {
            0 => Rlp.EncodeList(nonceItem, f[1], gasItem, toItem, f[0], f[2], vItem, rItem, sItem),
            1 => Rlp.EncodeList(chainItem, nonceItem, f[1], gasItem, toItem, f[0], f[2], f[3], vItem, rItem, sItem),
            2 => Rlp.EncodeList(chainItem, nonceItem, f[1], f[2], gasItem, toItem, f[0], f[3], f[4], vItem, rItem, sItem),
            _ => Rlp.EncodeList(chainItem, nonceItem, f[1], f[2], gasItem, toItem, f[0], f[3], f[4], f[5], vItem, rItem, sItem),
        };
        byte[] envelope = type == 0 ? body : [type, .. body];

        // The full decoder checks every field (canonical integers, sizes, access and authorization lists).
        if (!Transaction.TryDecode(envelope, out _, out string? error))
        {
            throw new RollupDecodeException($"span batch transaction is invalid: {error}");
        }

        return envelope;
    }

    private static byte[] EncodeInteger(ReadOnlySpan<byte> bigEndian)
    {
        int start = bigEndian.IndexOfAnyExcept((byte)0);
        return Rlp.EncodeBytes(start < 0 ? [] : bigEndian[start..]);
    }

    private static List<byte[]> RawListItems(ReadOnlySpan<byte> encodedList)
    {
        var reader = new RlpReader(encodedList);
        RlpReader items = reader.EnterList();
        reader.EnsureEnd();
        List<byte[]> result = [];
        while (!items.IsEmpty)
        {
            result.Add(items.ReadRawItem().ToArray());
        }

        return result;
    }
}
