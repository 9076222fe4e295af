using System.Buffers.Binary;
using Hyperion.Core.Crypto;
using Hyperion.Core.IO;

namespace Hyperion.Chain.Tests;

public sealed class BlockLogTests : IDisposable
{
    private readonly string _directory = TestChain.TempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Records_survive_reopening()
    {
        string path = Path.Combine(_directory, "log");
        using (BlockLog log = BlockLog.Open(path, out List<byte[]> none))
        {
            Assert.Empty(none);
            log.Append([1, 2, 3]);
            log.Append([]);
            log.Append(new byte[100_000]);
        }

        using BlockLog reopened = BlockLog.Open(path, out List<byte[]> records);
        Assert.Equal(3, records.Count);
        Assert.Equal([1, 2, 3], records[0]);
        Assert.Empty(records[1]);
        Assert.Equal(100_000, records[2].Length);
    }

    [Fact]
    public void A_torn_tail_is_cut_at_every_possible_length()
    {
        string path = Path.Combine(_directory, "log");
        using (BlockLog log = BlockLog.Open(path, out _))
        {
            log.Append([10, 11, 12, 13]);
            log.Append([20, 21, 22, 23, 24, 25]);
        }

        byte[] full = File.ReadAllBytes(path);
        int firstRecordLength = 4 + 4 + 4;
        for (int cut = 0; cut < full.Length; cut++)
        {
            File.WriteAllBytes(path, full[..cut]);
            using BlockLog log = BlockLog.Open(path, out List<byte[]> records);
            Assert.Equal(cut >= firstRecordLength ? 1 : 0, records.Count);
            Assert.Equal(cut >= firstRecordLength ? firstRecordLength : 0, new FileInfo(path).Length);

            // The log keeps working after recovery.
            log.Append([99]);
        }
    }

    [Fact]
    public void A_damaged_record_refuses_to_open_names_the_record_and_changes_nothing()
    {
        string path = Path.Combine(_directory, "log");
        using (BlockLog log = BlockLog.Open(path, out _))
        {
            log.Append([1, 1, 1]);
            log.Append([2, 2, 2]);
            log.Append([3, 3, 3]);
        }

        byte[] bytes = File.ReadAllBytes(path);
        bytes[11 + 5] ^= 0x01; // one bit of the second record's payload
        File.WriteAllBytes(path, bytes);
        BlockLogDamagedException error = Assert.Throws<BlockLogDamagedException>(() => BlockLog.Open(path, out _));
        Assert.Equal(1, error.Record);
        Assert.Equal(11, error.Offset);
        Assert.Contains("record 1 (block 1, byte offset 11): its checksum does not match", error.Message);
        Assert.Contains("hyperion db repair", error.Message);
        Assert.Equal(bytes, File.ReadAllBytes(path)); // nothing dropped without the operator

        Assert.Equal(new BlockLogRepair(1, "its checksum does not match its contents", 2, bytes.Length - 11), BlockLog.Check(path)); // what db verify reports
        Assert.Equal(bytes, File.ReadAllBytes(path)); // a check changes nothing
        BlockLogRepair repair = BlockLog.Repair(path);
        Assert.Equal((1, 2, 22L), (repair.KeptRecords, repair.DroppedRecords, repair.CutBytes));
        Assert.NotNull(repair.Damage);
        using BlockLog reopened = BlockLog.Open(path, out List<byte[]> records);
        Assert.Equal([1, 1, 1], Assert.Single(records));
    }

    [Fact]
    public void A_damaged_last_record_is_damage_not_a_torn_tail()
    {
        string path = Path.Combine(_directory, "log");
        using (BlockLog log = BlockLog.Open(path, out _))
        {
            log.Append([1, 1, 1]);
            log.Append([2, 2, 2]);
        }

        byte[] bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 0x80; // the last record's checksum
        File.WriteAllBytes(path, bytes);
        Assert.Equal(1, Assert.Throws<BlockLogDamagedException>(() => BlockLog.Open(path, out _)).Record);

        byte[] oversized = File.ReadAllBytes(path);
        oversized[^1] ^= 0x80;
        oversized[11] = 0x7f; // the second record's length field: above the record limit, which no append writes
        File.WriteAllBytes(path, oversized);
        Assert.Contains("above the", Assert.Throws<BlockLogDamagedException>(() => BlockLog.Open(path, out _)).Message);

        oversized[11] = 0;
        oversized[13] = 0x01;
        oversized[14] = 0x00; // 256 bytes declared, 7 written and no length a bit away fits them: a torn append
        File.WriteAllBytes(path, oversized);
        using BlockLog torn = BlockLog.Open(path, out List<byte[]> records);
        Assert.Single(records);
        Assert.Equal(11, torn.TornTailBytes);
    }

    [Fact]
    public void A_flipped_bit_in_a_length_field_that_points_past_the_end_is_damage_not_a_torn_tail()
    {
        string path = Path.Combine(_directory, "log");
        using (BlockLog log = BlockLog.Open(path, out _))
        {
            for (byte i = 1; i <= 4; i++)
            {
                log.Append([i, i, i]);
            }
        }

        // Before this was refused, the second record looked torn and the three blocks from it were cut.
        byte[] bytes = File.ReadAllBytes(path);
        bytes[11 + 2] ^= 0x04; // the second record's length: 3 -> 1027, past the end of the 44-byte file
        File.WriteAllBytes(path, bytes);
        BlockLogDamagedException error = Assert.Throws<BlockLogDamagedException>(() => BlockLog.Open(path, out _));
        Assert.Equal(1, error.Record);
        Assert.Contains("its length field says 1027 bytes where the record holds 3", error.Message);
        Assert.Equal(bytes, File.ReadAllBytes(path));

        BlockLogRepair repair = BlockLog.Repair(path);
        Assert.Equal((1, 3), (repair.KeptRecords, repair.DroppedRecords)); // the report counts the records behind the damaged field
    }

    [Fact]
    public void Repair_of_an_intact_log_changes_nothing()
    {
        string path = Path.Combine(_directory, "log");
        using (BlockLog log = BlockLog.Open(path, out _))
        {
            log.Append([1]);
        }

        byte[] before = File.ReadAllBytes(path);
        Assert.Equal(new BlockLogRepair(1, null, 0, 0), BlockLog.Repair(path));
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    /// <summary>A record as builds before the CRC-32C records wrote it: length (top bit clear) · payload · Keccak-256's first 4 bytes.</summary>
    internal static byte[] KeccakRecord(byte[] payload)
    {
        var record = new byte[4 + payload.Length + 4];
        BinaryPrimitives.WriteUInt32BigEndian(record, (uint)payload.Length);
        payload.CopyTo(record, 4);
        Keccak256.Hash(payload).Bytes[..4].CopyTo(record.AsSpan(4 + payload.Length));
        return record;
    }

    [Fact]
    public void Records_are_appended_with_a_CRC_32C_named_by_the_length_fields_top_bit()
    {
        string path = Path.Combine(_directory, "log");
        byte[] payload = [5, 6, 7, 8, 9];
        using (BlockLog log = BlockLog.Open(path, out _))
        {
            log.Append(payload);
        }

        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(0x8000_0005u, BinaryPrimitives.ReadUInt32BigEndian(bytes));
        Assert.Equal(Crc32C.Compute(payload), BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(4 + payload.Length)));
        Assert.Equal(BlockLog.RecordSize(payload.Length), bytes.Length);
    }

    [Fact]
    public void A_log_of_Keccak_records_from_an_older_build_opens_and_goes_on_with_CRC_32C_records()
    {
        string path = Path.Combine(_directory, "log");
        File.WriteAllBytes(path, [.. KeccakRecord([1, 2, 3]), .. KeccakRecord([]), .. KeccakRecord(new byte[70_000])]);
        long legacyLength = new FileInfo(path).Length;
        using (BlockLog log = BlockLog.Open(path, out List<byte[]> records))
        {
            Assert.Equal(3, records.Count);
            Assert.Equal([1, 2, 3], records[0]);
            Assert.Equal(0, log.TornTailBytes);
            log.Append([4, 4]);
            Assert.Equal([1, 2, 3], log.ReadAt(0, 0));
            Assert.Equal([4, 4], log.ReadAt(legacyLength, 3));
        }

        using (BlockLog reopened = BlockLog.Open(path, out List<byte[]> all))
        {
            Assert.Equal(4, all.Count);
            Assert.Equal(70_000, all[2].Length);
            Assert.Equal([4, 4], all[3]);
        }

        Assert.Equal(new BlockLogRepair(4, null, 0, 0), BlockLog.Check(path));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_damaged_record_of_either_kind_or_a_flipped_checksum_kind_bit_is_damage(bool keccakRecords)
    {
        string path = Path.Combine(_directory, "log");
        if (keccakRecords)
        {
            File.WriteAllBytes(path, [.. KeccakRecord([1, 1, 1]), .. KeccakRecord([2, 2, 2]), .. KeccakRecord([3, 3, 3])]);
        }
        else
        {
            using BlockLog log = BlockLog.Open(path, out _);
            log.Append([1, 1, 1]);
            log.Append([2, 2, 2]);
            log.Append([3, 3, 3]);
        }

        byte[] intact = File.ReadAllBytes(path);
        byte[] payloadFlip = intact.ToArray();
        payloadFlip[11 + 5] ^= 0x01; // the second record's payload
        byte[] checksumFlip = intact.ToArray();
        checksumFlip[11 + 7 + 2] ^= 0x20; // the second record's checksum
        byte[] kindFlip = intact.ToArray();
        kindFlip[11] ^= 0x80; // the second record's checksum-kind bit: the other checksum, which its bytes are not
        foreach (byte[] damaged in new[] { payloadFlip, checksumFlip, kindFlip })
        {
            File.WriteAllBytes(path, damaged);
            BlockLogDamagedException error = Assert.Throws<BlockLogDamagedException>(() => BlockLog.Open(path, out _));
            Assert.Equal(1, error.Record);
            Assert.Contains("its checksum does not match its contents", error.Message);
            Assert.Equal(damaged, File.ReadAllBytes(path));
        }
    }
}
