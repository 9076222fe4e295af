using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Hyperion.State.Tests")]
