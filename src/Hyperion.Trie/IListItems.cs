namespace Hyperion.Trie;

/// <summary>
/// The encoded items of a list trie (<see cref="ListTrie"/>), written by each leaf straight into its own encoding
/// instead of being encoded into an array apiece first.
/// </summary>
public interface IListItems
{
    /// <summary>The items.</summary>
    int Count { get; }

    /// <summary>The length of the <paramref name="index"/>-th item's encoding (zero: no entry).</summary>
    int LengthOf(int index);

    /// <summary>
    /// Writes the <paramref name="index"/>-th item's encoding (<see cref="LengthOf"/> bytes) to
    /// <paramref name="destination"/>; called from any thread, for different leaves at once.
    /// </summary>
    void Write(int index, Span<byte> destination);
}
