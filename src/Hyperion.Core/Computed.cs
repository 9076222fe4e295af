namespace Hyperion.Core;

/// <summary>
/// A lazily computed value held in an immutable box, so that publishing it from one thread to another is a single
/// atomic reference write (a struct field such as a Hash256 could be seen half-written).
/// </summary>
internal sealed class Computed<T>(T value)
{
    public T Value { get; } = value;
}
