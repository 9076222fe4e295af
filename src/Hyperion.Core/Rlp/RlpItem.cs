namespace Hyperion.Core.Rlp;

/// <summary>An RLP value tree for code that is not on a hot path: either a byte string or a list of items.</summary>
public abstract class RlpItem : IEquatable<RlpItem>
{
    private protected RlpItem()
    {
    }

    /// <summary>Size of this item's encoding in bytes.</summary>
    public abstract int EncodedLength { get; }

    public static RlpString Bytes(ReadOnlySpan<byte> bytes) => new(bytes.ToArray());

    /// <summary>An unsigned integer as a minimal big-endian byte string (zero is empty).</summary>
    public static RlpString UInt64(ulong value)
    {
        var bytes = new byte[Rlp.ByteLength(value)];
        for (int i = bytes.Length - 1; i >= 0; i--, value >>= 8)
        {
            bytes[i] = (byte)value;
        }

        return new RlpString(bytes);
    }

    public static RlpList List(params RlpItem[] items) => new(items);

    public static implicit operator RlpItem(byte[] bytes) => new RlpString(bytes);

    public abstract void WriteTo(ref RlpWriter writer);

    public abstract bool Equals(RlpItem? other);

    public override bool Equals(object? obj) => obj is RlpItem other && Equals(other);

    public abstract override int GetHashCode();
}

public sealed class RlpString : RlpItem
{
    public RlpString(byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Value = value;
    }

    public byte[] Value { get; }

    public override int EncodedLength => Rlp.LengthOfBytes(Value);

    public override void WriteTo(ref RlpWriter writer) => writer.WriteBytes(Value);

    public override bool Equals(RlpItem? other) => other is RlpString s && s.Value.AsSpan().SequenceEqual(Value);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Value);
        return hash.ToHashCode();
    }

    public override string ToString() => Hex.Encode(Value);
}

public sealed class RlpList : RlpItem
{
    private readonly RlpItem[] _items;
    private int _contentLength = -1;

    public RlpList(IEnumerable<RlpItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        _items = [.. items];
    }

    public IReadOnlyList<RlpItem> Items => _items;

    /// <summary>Total encoded size of the items; computed once (the list is immutable) so nested encoding stays linear.</summary>
    public int ContentLength
    {
        get
        {
            if (_contentLength < 0)
            {
                int total = 0;
                foreach (RlpItem item in _items)
                {
                    total = checked(total + item.EncodedLength);
                }

                _contentLength = total;
            }

            return _contentLength;
        }
    }

    public override int EncodedLength => Rlp.LengthOfList(ContentLength);

    public override void WriteTo(ref RlpWriter writer)
    {
        writer.WriteListHeader(ContentLength);
        foreach (RlpItem item in Items)
        {
            item.WriteTo(ref writer);
        }
    }

    public override bool Equals(RlpItem? other)
    {
        if (other is not RlpList list || list.Items.Count != Items.Count)
        {
            return false;
        }

        for (int i = 0; i < Items.Count; i++)
        {
            if (!Items[i].Equals(list.Items[i]))
            {
                return false;
            }
        }

        return true;
    }

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (RlpItem item in Items)
        {
            hash.Add(item.GetHashCode());
        }

        return hash.ToHashCode();
    }

    public override string ToString() => "[" + string.Join(", ", Items) + "]";
}
