using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Hyperion.MetisDb.Tests")]
