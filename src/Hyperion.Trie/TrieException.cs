namespace Hyperion.Trie;

/// <summary>A malformed trie node or an invalid Merkle proof.</summary>
public sealed class TrieException : Exception
{
    public TrieException()
    {
    }

    public TrieException(string message)
        : base(message)
    {
    }

    public TrieException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
