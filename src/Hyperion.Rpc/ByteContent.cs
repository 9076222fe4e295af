namespace Hyperion.Rpc;

/// <summary>
/// Byte arrays equal when their bytes are, for tables keyed by content (override code, request params); hashed on the
/// length and at most 256 bytes at each end, so a look-up of a large key costs a short hash and one comparison.
/// Also looks up by a span (the bytes still in a request's buffer) without copying them into an array.
/// </summary>
internal sealed class ByteContent : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    public static readonly ByteContent Instance = new();

    /// <summary>Bytes hashed at each end of a key.</summary>
    private const int EndBytes = 256;

    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

    public int GetHashCode(byte[] obj) => GetHashCode(obj.AsSpan());

    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<byte> alternate)
    {
        var hash = new HashCode();
        hash.Add(alternate.Length);
        if (alternate.Length <= 2 * EndBytes)
        {
            hash.AddBytes(alternate); // the two ends would overlap: every byte once
        }
        else
        {
            hash.AddBytes(alternate[..EndBytes]);
            hash.AddBytes(alternate[^EndBytes..]);
        }

        return hash.ToHashCode();
    }

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
}
