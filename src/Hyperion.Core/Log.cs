namespace Hyperion.Core;

/// <summary>
/// An event emitted by LOG0–LOG4: the emitting contract, up to four topics and the data. Part of a receipt; its
/// RLP is [address, [topic…], data].
/// </summary>
public sealed class Log(Address address, Hash256[] topics, byte[] data) : IEquatable<Log>
{
    public Address Address { get; } = address;

    public IReadOnlyList<Hash256> Topics { get; } = topics ?? throw new ArgumentNullException(nameof(topics));

    public ReadOnlyMemory<byte> Data { get; } = data ?? throw new ArgumentNullException(nameof(data));

    public bool Equals(Log? other) =>
        other is not null && Address == other.Address && Topics.SequenceEqual(other.Topics) &&
        Data.Span.SequenceEqual(other.Data.Span);

    public override bool Equals(object? obj) => Equals(obj as Log);

    public override int GetHashCode() => HashCode.Combine(Address, Topics.Count, Data.Length);
}
