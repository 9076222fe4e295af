using LightningDB;

namespace Hyperion.MetisDb;

internal delegate void VisibleEntryHandler(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);

/// <summary>Visits one raw entry; returns false to stop the walk.</summary>
internal delegate bool EntryVisitor(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);

/// <summary>Cursor walks over the versioned tables: one visible version per logical key.</summary>
internal static class MetisVersionedScan
{
    /// <summary>
    /// Positions at the version of the logical key <paramref name="seekKey"/> (logical key followed by ~version)
    /// visible at that version: the first entry at or after it with the same logical key. Its value comes checked and
    /// without its checksum (<see cref="MetisEntrySeal"/>).
    /// </summary>
    public static bool TrySeek(LightningCursor cursor, ReadOnlySpan<byte> seekKey, out ReadOnlySpan<byte> value, out ulong version)
    {
        value = default;
        version = 0;
        if (cursor.SetRange(seekKey) != MDBResultCode.Success)
        {
            return false;
        }

        (MDBResultCode code, MDBValue key, MDBValue data) = cursor.GetCurrent();
        if (code != MDBResultCode.Success)
        {
            return false;
        }

        ReadOnlySpan<byte> found = key.AsSpan();
        int logicalLength = seekKey.Length - 8;
        if (found.Length != seekKey.Length || !found[..logicalLength].SequenceEqual(seekKey[..logicalLength]))
        {
            return false;
        }

        value = MetisEntrySeal.Open(found, data.AsSpan());
        version = MetisKeys.VersionOf(found);
        return true;
    }

    /// <summary>
    /// Calls <paramref name="handler"/> (with the checked value, see <see cref="MetisEntrySeal"/>) for every logical key (the first <paramref name="logicalLength"/> bytes of the
    /// key) starting with <paramref name="prefix"/>, with its newest version not after <paramref name="version"/>.
    /// </summary>
    public static void ForEachVisible(LightningCursor cursor, ReadOnlySpan<byte> prefix, int logicalLength, ulong version, VisibleEntryHandler handler) =>
        ForEachVisible(cursor, prefix, prefix.Length * 2, logicalLength, version, handler);

    /// <summary>As above, with a prefix of <paramref name="prefixNibbles"/> nibbles (an odd count ends in a high nibble).</summary>
    public static void ForEachVisible(LightningCursor cursor, ReadOnlySpan<byte> prefix, int prefixNibbles, int logicalLength, ulong version, VisibleEntryHandler handler)
    {
        // A plain cursor loop (not Walk): trie rehashing scans thousands of subtrees per block, and this way a scan
        // allocates nothing of its own.
        Span<byte> current = stackalloc byte[MetisKeys.StorageKeyLength];
        current = current[..logicalLength];
        bool haveCurrent = false;
        MDBResultCode code = prefix.IsEmpty ? cursor.First().resultCode : cursor.SetRange(prefix);
        while (code == MDBResultCode.Success)
        {
            (MDBResultCode getCode, MDBValue entryKey, MDBValue entryValue) = cursor.GetCurrent();
            ReadOnlySpan<byte> key = entryKey.AsSpan();
            if (getCode != MDBResultCode.Success || !StartsWithNibbles(key, prefix, prefixNibbles))
            {
                return;
            }

            ReadOnlySpan<byte> logical = key[..logicalLength];
            if (!(haveCurrent && logical.SequenceEqual(current)) && MetisKeys.VersionOf(key) <= version)
            {
                logical.CopyTo(current);
                haveCurrent = true;
                handler(key, MetisEntrySeal.Open(key, entryValue.AsSpan()));
            }

            code = cursor.Next().resultCode;
        }
    }

    /// <summary>Visits raw entries (values as stored: sealed ones with their checksum) from the first key at or after <paramref name="from"/> (empty: from the start) until the visitor stops.</summary>
    public static void Walk(LightningCursor cursor, ReadOnlySpan<byte> from, EntryVisitor visitor)
    {
        MDBResultCode code = from.IsEmpty ? cursor.First().resultCode : cursor.SetRange(from);
        while (code == MDBResultCode.Success)
        {
            (MDBResultCode getCode, MDBValue key, MDBValue value) = cursor.GetCurrent();
            if (getCode != MDBResultCode.Success || !visitor(key.AsSpan(), value.AsSpan()))
            {
                return;
            }

            code = cursor.Next().resultCode;
        }
    }

    private static bool StartsWithNibbles(ReadOnlySpan<byte> key, ReadOnlySpan<byte> prefix, int nibbles)
    {
        int whole = nibbles / 2;
        if (!key.StartsWith(prefix[..whole]))
        {
            return false;
        }

        return (nibbles & 1) == 0 || (key[whole] >> 4) == (prefix[whole] >> 4);
    }
}
