namespace Hyperion.Core.Rlp;

/// <summary>Malformed or non-canonical RLP; the message says what was wrong and at which byte offset.</summary>
public sealed class RlpException : Exception
{
    public RlpException()
    {
    }

    public RlpException(string message)
        : base(message)
    {
    }

    public RlpException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
