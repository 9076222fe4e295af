using Hyperion.Core.Rlp;
using Hyperion.Core.Transactions;
using RlpCodec = Hyperion.Core.Rlp.Rlp;

namespace Hyperion.Core.Blocks;

/// <summary>A block's body: transactions, ommer headers, and (from Shanghai) withdrawals, null before.</summary>
public sealed class BlockBody
{
    public static BlockBody Empty { get; } = new([], [], null);

    public BlockBody(Transaction[] transactions, BlockHeader[] ommers, Withdrawal[]? withdrawals)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        ArgumentNullException.ThrowIfNull(ommers);
        Transactions = transactions;
        Ommers = ommers;
        Withdrawals = withdrawals;
    }

    public Transaction[] Transactions { get; }

    public BlockHeader[] Ommers { get; }

    public Withdrawal[]? Withdrawals { get; }

    /// <summary>Content length of the body's items inside a block list: the transaction, ommer and withdrawal lists.</summary>
    internal int ItemsLength =>
        RlpCodec.LengthOfList(TransactionsContentLength) + RlpCodec.LengthOfList(OmmersContentLength) +
        (Withdrawals is null ? 0 : RlpCodec.LengthOfList(WithdrawalsContentLength));

    private int TransactionsContentLength => Transactions.Sum(t => t.BlockItemLength);

    private int OmmersContentLength => Ommers.Sum(o => o.EncodedLength);

    private int WithdrawalsContentLength => Withdrawals?.Sum(w => w.EncodedLength) ?? 0;

    /// <summary>Writes the transaction, ommer and (if present) withdrawal lists.</summary>
    internal void WriteItems(ref RlpWriter writer)
    {
        writer.WriteListHeader(TransactionsContentLength);
        foreach (Transaction transaction in Transactions)
        {
            transaction.WriteBlockItem(ref writer);
        }

        writer.WriteListHeader(OmmersContentLength);
        foreach (BlockHeader ommer in Ommers)
        {
            ommer.WriteTo(ref writer);
        }

        if (Withdrawals is not null)
        {
            writer.WriteListHeader(WithdrawalsContentLength);
            foreach (Withdrawal withdrawal in Withdrawals)
            {
                withdrawal.WriteTo(ref writer);
            }
        }
    }

    /// <summary>Reads the transaction, ommer and optional withdrawal lists from a block's (or body's) list reader.</summary>
    internal static BlockBody ReadItems(ref RlpReader fields, ReadOnlyMemory<byte> source)
    {
        RlpReader transactionList = fields.EnterList();
        var transactions = new List<Transaction>();
        while (!transactionList.IsEmpty)
        {
            transactions.Add(Transaction.ReadBlockItem(ref transactionList, source));
        }

        RlpReader ommerList = fields.EnterList();
        var ommers = new List<BlockHeader>();
        while (!ommerList.IsEmpty)
        {
            ommers.Add(BlockHeader.Read(ref ommerList, source));
        }

        Withdrawal[]? withdrawals = null;
        if (!fields.IsEmpty)
        {
            RlpReader withdrawalList = fields.EnterList();
            var list = new List<Withdrawal>();
            while (!withdrawalList.IsEmpty)
            {
                list.Add(Withdrawal.Read(ref withdrawalList));
            }

            withdrawals = [.. list];
        }

        return new BlockBody([.. transactions], [.. ommers], withdrawals);
    }
}

/// <summary>A block: header and body, encoded as rlp([header, transactions, ommers, withdrawals?]).</summary>
public sealed class Block
{
    public Block(BlockHeader header, BlockBody body)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(body);
        Header = header;
        Body = body;
    }

    public BlockHeader Header { get; }

    public BlockBody Body { get; }

    public Hash256 Hash => Header.Hash;

    public ulong Number => Header.Number;

    public Transaction[] Transactions => Body.Transactions;

    public byte[] Encode()
    {
        var result = new byte[EncodedLength];
        EncodeTo(result);
        return result;
    }

    /// <summary>Bytes of <see cref="Encode"/>'s result.</summary>
    public int EncodedLength => RlpCodec.LengthOfList(Header.EncodedLength + Body.ItemsLength);

    /// <summary>Writes <see cref="Encode"/>'s bytes into <paramref name="destination"/> (at least <see cref="EncodedLength"/> long).</summary>
    public void EncodeTo(Span<byte> destination)
    {
        int content = Header.EncodedLength + Body.ItemsLength;
        var writer = new RlpWriter(destination);
        writer.WriteListHeader(content);
        Header.WriteTo(ref writer);
        Body.WriteItems(ref writer);
    }

    /// <summary>
    /// Decodes a block that is the whole of <paramref name="encoded"/>. Calldata, extra data and the cached encodings
    /// are slices of <paramref name="encoded"/>, which must not be modified afterwards.
    /// </summary>
    /// <exception cref="RlpException">Malformed or non-canonical RLP, a malformed transaction or header, or trailing bytes.</exception>
    public static Block Decode(ReadOnlyMemory<byte> encoded)
    {
        var reader = new RlpReader(encoded.Span);
        RlpReader fields = reader.EnterList();
        BlockHeader header = BlockHeader.Read(ref fields, encoded);
        BlockBody body = BlockBody.ReadItems(ref fields, encoded);
        fields.EnsureEnd();
        reader.EnsureEnd();
        return new Block(header, body);
    }
}
