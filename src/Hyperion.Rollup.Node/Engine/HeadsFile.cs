using System.Text.Json;
using System.Text.Json.Serialization;
using Hyperion.Core;
using Hyperion.Core.IO;

namespace Hyperion.Rollup.Node.Engine;

/// <summary>
/// The safe and finalized heads kept across restarts (<c>rollup-heads.json</c> in the data directory), written to a
/// temporary file and renamed over the old one, so a crash leaves either the old heads or the new. The unsafe head is
/// the chain's head and needs no file.
/// </summary>
internal static class HeadsFile
{
    public const string FileName = "rollup-heads.json";

    public static void Write(string directory, BlockId safe, BlockId finalized)
    {
        var heads = new Stored(new StoredId(safe.Hash.ToString(), safe.Number), new StoredId(finalized.Hash.ToString(), finalized.Number));
        DurableFiles.WriteAtomically(Path.Combine(directory, FileName), stream => JsonSerializer.Serialize(stream, heads));
    }

    /// <summary>The stored heads; null when there is no file. A file that cannot be read is an error the caller reports.</summary>
    /// <exception cref="InvalidDataException">The file is not the heads file's JSON.</exception>
    public static (BlockId Safe, BlockId Finalized)? Read(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            Stored heads = JsonSerializer.Deserialize<Stored>(File.ReadAllText(path)) ?? throw new InvalidDataException("empty");
            return (Parse(heads.Safe), Parse(heads.Finalized));
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidDataException or ArgumentNullException)
        {
            throw new InvalidDataException($"{path} is not a heads file: {e.Message}", e);
        }
    }

    private static BlockId Parse(StoredId? id) =>
        id is null ? throw new InvalidDataException("a head is missing") : new BlockId(Hash256.Parse(id.Hash), id.Number);

    private sealed record Stored([property: JsonPropertyName("safe")] StoredId? Safe, [property: JsonPropertyName("finalized")] StoredId? Finalized);

    private sealed record StoredId([property: JsonPropertyName("hash")] string Hash, [property: JsonPropertyName("number")] ulong Number);
}
