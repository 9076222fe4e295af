using System.Text.Json;
using CsCheck;
using Hyperion.Core;
using Hyperion.Evm.Precompiles.Kzg;
using Hyperion.Rollup.Blobs;
using Xunit.Abstractions;

namespace Hyperion.Rollup.Tests;

public class BlobTests(ITestOutputHelper output)
{
    private static readonly Lazy<KzgSetup> Setup = new(() => KzgSetup.Load(TrustedSetupFactAttribute.Path!));

    [Fact]
    public void Blob_encoding_round_trips() =>
        Gen.Frequency((3, Gen.Byte.Array[0, 2000]), (1, Gen.Byte.Array[BlobCodec.MaxDataSize - 300, BlobCodec.MaxDataSize]))
            .Sample(data => BlobCodec.Decode(BlobCodec.Encode(data)).AsSpan().SequenceEqual(data), iter: 60);

    [Fact]
    public void Blob_layout_follows_the_spec()
    {
        // 27 data bytes fill element 0 after version and length; byte 27 is x, spread over elements 0 and 1.
        byte[] data = [.. Enumerable.Range(1, 27).Select(i => (byte)i), 0xff, 0xaa];
        byte[] blob = BlobCodec.Encode(data);
        Assert.Equal(0x3f, blob[0]);                               // x & 0b0011_1111
        Assert.Equal(new byte[] { 0, 0, 0, 29 }, blob[1..5]);      // version, uint24 length
        Assert.Equal(data[..27], blob[5..32]);
        Assert.Equal(0x30, blob[32]);                              // (x & 0b1100_0000) >> 2, y = 0
        Assert.Equal(0xaa, blob[33]);                              // tailB starts with data[28]
        Assert.True(blob.AsSpan(34).IndexOfAnyExcept((byte)0) < 0);
        Assert.Equal(BlobCodec.BlobSize, blob.Length);
        Assert.Equal(130_044, BlobCodec.MaxDataSize);
        Assert.Throws<ArgumentException>(() => BlobCodec.Encode(new byte[BlobCodec.MaxDataSize + 1]));
    }

    [Fact]
    public void Non_canonical_blobs_are_rejected()
    {
        byte[] blob = BlobCodec.Encode([1, 2, 3]);
        Assert.Throws<RollupDecodeException>(() => BlobCodec.Decode(blob.AsSpan(1)));
        byte[] topBit = (byte[])blob.Clone();
        topBit[32 * 5] = 0x40;
        Assert.Throws<RollupDecodeException>(() => BlobCodec.Decode(topBit));
        byte[] trailing = (byte[])blob.Clone();
        trailing[^1] = 1;
        Assert.Throws<RollupDecodeException>(() => BlobCodec.Decode(trailing));
        byte[] version = (byte[])blob.Clone();
        version[1] = 1;
        Assert.Throws<RollupDecodeException>(() => BlobCodec.Decode(version));
        byte[] length = (byte[])blob.Clone();
        length[2] = 0xff;
        Assert.Throws<RollupDecodeException>(() => BlobCodec.Decode(length));
    }

    [Fact]
    public void Hostile_blobs_only_fail_with_the_decode_error() =>
        Gen.Select(Gen.Int[0, BlobCodec.BlobSize - 1], Gen.Byte, Gen.Byte.Array[0, 500]).Sample((position, value, data) =>
        {
            byte[] blob = BlobCodec.Encode(data);
            blob[position] = value;
            try
            {
                BlobCodec.Decode(blob);
            }
            catch (RollupDecodeException)
            {
            }
        }, iter: 50);

    private static byte[] PatternBlob()
    {
        byte[] blob = new byte[BlobCodec.BlobSize];
        for (int i = 0; i < 4096; i++)
        {
            for (int j = 1; j < 32; j++)
            {
                blob[(i * 32) + j] = (byte)((i * 31) + (j * 7));
            }
        }

        return blob;
    }

    // Vectors/kzg.json holds c-kzg's outputs for these blobs; e2e/test/rollup-kzg.test.mjs checks c-kzg still agrees.
    [TrustedSetupFact]
    public void Commitment_and_proof_match_c_kzg()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        KzgSetup setup = Setup.Value;
        output.WriteLine($"setup loaded in {clock.ElapsedMilliseconds} ms");
        using JsonDocument vectors = JsonDocument.Parse(File.ReadAllText(System.IO.Path.Combine(AppContext.BaseDirectory, "Vectors", "kzg.json")));
        foreach (JsonElement vector in vectors.RootElement.EnumerateArray())
        {
            byte[] blob = vector.GetProperty("name").GetString() == "pattern" ? PatternBlob() : new byte[BlobCodec.BlobSize];
            clock.Restart();
            byte[] commitment = Kzg.BlobToCommitment(blob, setup);
            output.WriteLine($"commitment in {clock.ElapsedMilliseconds} ms");
            Assert.Equal(vector.GetProperty("commitment").GetString(), Hex.Encode(commitment));
            clock.Restart();
            (byte[] proof, byte[] z, byte[] y) = Kzg.ComputeBlobProofWithOpening(blob, commitment, setup);
            output.WriteLine($"proof in {clock.ElapsedMilliseconds} ms");
            Assert.Equal(vector.GetProperty("proof").GetString(), Hex.Encode(proof));
            Assert.True(PointEvaluationPrecompile.VerifyKzgProof(commitment, z, y, proof));
        }
    }

    [TrustedSetupFact]
    public void Proof_of_an_encoded_blob_verifies_with_the_point_evaluation_check()
    {
        KzgSetup setup = Setup.Value;
        byte[] blob = BlobCodec.Encode(System.Text.Encoding.ASCII.GetBytes("an OP-stack channel frame, posted as a blob"));
        byte[] commitment = Kzg.BlobToCommitment(blob, setup);
        (byte[] proof, byte[] z, byte[] y) = Kzg.ComputeBlobProofWithOpening(blob, commitment, setup);
        Assert.True(PointEvaluationPrecompile.VerifyKzgProof(commitment, z, y, proof));
        y[31] ^= 1;
        Assert.False(PointEvaluationPrecompile.VerifyKzgProof(commitment, z, y, proof));
        Assert.Equal(0x01, Kzg.VersionedHash(commitment).Bytes[0]);
    }
}

/// <summary>
/// A fact that needs Ethereum's trusted setup, which the c-kzg npm package ships (e2e/node_modules after
/// <c>npm ci</c> in e2e/); reported as skipped, with the reason, when it is not installed.
/// </summary>
public sealed class TrustedSetupFactAttribute : FactAttribute
{
    public static readonly string? Path = Find();

    public TrustedSetupFactAttribute()
    {
        if (Path is null)
        {
            Skip = "trusted setup not found: run `npm ci` in e2e/ (c-kzg ships deps/c-kzg/trusted_setup.txt)";
        }
    }

    private static string? Find()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = System.IO.Path.Combine(dir.FullName, "e2e", "node_modules", "c-kzg", "deps", "c-kzg", "trusted_setup.txt");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
