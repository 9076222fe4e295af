using System.Security.Cryptography;
using Hyperion.Evm.Precompiles;
using Hyperion.Evm.Precompiles.Kzg;

namespace Hyperion.Evm.Tests.Precompiles.Bls12381;

/// <summary>
/// The point-evaluation precompile against the verify_kzg_proof vectors of ethereum/c-kzg-4844
/// (tests/verify_kzg_proof/kzg-mainnet/*/data.yaml; the case name is the folder name), plus the precompile's own
/// input rules.
/// </summary>
public class PointEvaluationTests
{
    private const string Infinity = "c00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000";
    private const string G1Generator = "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb";
    private const string Modulus = "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001";
    private const string RMinusOne = "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000000";
    private const string Zero = "0000000000000000000000000000000000000000000000000000000000000000";
    private const string One = "0000000000000000000000000000000000000000000000000000000000000001";
    private const string Two = "0000000000000000000000000000000000000000000000000000000000000002";

    // output: "true" = valid proof, "false" = well-formed but wrong, "null" = invalid input.
    public static TheoryData<string, string, string, string, string, string> Vectors => new()
    {
        { "correct_proof_0_1", Infinity, One, Zero, Infinity, "true" },
        { "correct_proof_1_1", "a572cbea904d67468808c8eb50a9450c9721db309128012543902d0ac358a62ae28f75bb8f1c7c42c39a8c5529bf0f4e", One, Two, Infinity, "true" },
        { "correct_proof_3_0", "b49d88afcd7f6c61a8ea69eff5f609d2432b47e7e4cd50b02cdddb4e0c1460517e8df02e4e64dc55e3d8ca192d57193a", Zero, "1ed7d14d1b3fb1a1890d67b81715531553ad798df2009b4311d9fe2bea6cb964", "a71f21ca51b443ad35bb8a26d274223a690d88d9629927dc80b0856093e08a372820248df5b8a43b6d98fd52a62fa376", "true" },
        { "correct_proof_31ebd010e6098750", "8f59a8d2a1a625a17f3fea0fe5eb8c896db3764f3185481bc22f91b4aaffcca25f26936857bc3a7c2539ea8ec3a952b7", RMinusOne, "1522a4a7f34e1ea350ae07c29c96c7e79655aa926122e95fe69fcbd932ca49e9", "a62ad71d14c5719385c0686f1871430475bf3a00f0aa3f7b8dd99a9abc2160744faf0070725e00b60ad9a026a15b1a8c", "true" },
        { "correct_proof_3208425794224c3f", Infinity, "564c0a11a0f704f4fc3e8acfe0f8245f0ad1347b378fbf96e206da11a5d36306", Zero, Infinity, "true" },
        { "correct_proof_392169c16a2e5ef6", "a421e229565952cfff4ef3517100a97da1d4fe57956fa50a442f92af03b1bf37adacc8ad4ed209b31287ea5bb94d9d06", RMinusOne, "304962b3598a0adf33189fdfd9789feab1096ff40006900400000003fffffffc", "aa86c458b3065e7ec244033a2ade91a7499561f482419a3a372c42a636dad98262a2ce926d142fd7cfe26ca148efe8b4", "true" },
        { "correct_proof_point_at_infinity_for_twos_poly_0", "a572cbea904d67468808c8eb50a9450c9721db309128012543902d0ac358a62ae28f75bb8f1c7c42c39a8c5529bf0f4e", Zero, Two, Infinity, "true" },
        { "correct_proof_point_at_infinity_for_zero_poly_2", Infinity, Two, Zero, Infinity, "true" },
        { "incorrect_proof_0_1", Infinity, One, Zero, G1Generator, "false" },
        { "incorrect_proof_3208425794224c3f", Infinity, "564c0a11a0f704f4fc3e8acfe0f8245f0ad1347b378fbf96e206da11a5d36306", Zero, G1Generator, "false" },
        { "incorrect_proof_392169c16a2e5ef6", "a421e229565952cfff4ef3517100a97da1d4fe57956fa50a442f92af03b1bf37adacc8ad4ed209b31287ea5bb94d9d06", RMinusOne, "304962b3598a0adf33189fdfd9789feab1096ff40006900400000003fffffffc", "b08a5afbb1717334e08e05576b07bff58e8851d8cfd9ea71da1ab4233ad4217cffabd669dfa89c3ebf4c44f91694a2f4", "false" },
        { "incorrect_proof_point_at_infinity_2", "a421e229565952cfff4ef3517100a97da1d4fe57956fa50a442f92af03b1bf37adacc8ad4ed209b31287ea5bb94d9d06", Two, "2bf4e1f980eb94661a21affc4d7e6e56f214fe3e7dc4d20b98c66ffd43cabeb0", Infinity, "false" },
        { "invalid_commitment_2", "8123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", One, "1824b159acc5056f998c4fefecbc4ff55884b7fa0003480200000001fffffffe", "b0c829a8d2d3405304fecbea193e6c67f7c3912a6adc7c3737ad3f8a3b750425c1531a7426f03033a3994bc82a10609f", "null" },
        { "invalid_commitment_3", "8123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde0", One, "1824b159acc5056f998c4fefecbc4ff55884b7fa0003480200000001fffffffe", "b0c829a8d2d3405304fecbea193e6c67f7c3912a6adc7c3737ad3f8a3b750425c1531a7426f03033a3994bc82a10609f", "null" },
        { "invalid_proof_2", "a421e229565952cfff4ef3517100a97da1d4fe57956fa50a442f92af03b1bf37adacc8ad4ed209b31287ea5bb94d9d06", One, "1824b159acc5056f998c4fefecbc4ff55884b7fa0003480200000001fffffffe", "8123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "null" },
        // Scalars must be below r (verify_kzg_proof_case_invalid_z / invalid_y shape: z or y = BLS_MODULUS).
        { "invalid_z_is_modulus", "a421e229565952cfff4ef3517100a97da1d4fe57956fa50a442f92af03b1bf37adacc8ad4ed209b31287ea5bb94d9d06", Modulus, "304962b3598a0adf33189fdfd9789feab1096ff40006900400000003fffffffc", "aa86c458b3065e7ec244033a2ade91a7499561f482419a3a372c42a636dad98262a2ce926d142fd7cfe26ca148efe8b4", "null" },
        { "invalid_y_is_modulus", Infinity, One, Modulus, Infinity, "null" },
    };

    private static byte[] Input(string commitment, string z, string y, string proof)
    {
        byte[] c = Convert.FromHexString(commitment);
        byte[] versionedHash = SHA256.HashData(c);
        versionedHash[0] = 0x01;
        return [.. versionedHash, .. Convert.FromHexString(z), .. Convert.FromHexString(y), .. c, .. Convert.FromHexString(proof)];
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void MatchesCKzgVectors(string name, string commitment, string z, string y, string proof, string expected)
    {
        Assert.NotEmpty(name);
        bool verified = PointEvaluationPrecompile.VerifyKzgProof(
            Convert.FromHexString(commitment), Convert.FromHexString(z), Convert.FromHexString(y), Convert.FromHexString(proof));
        Assert.Equal(expected == "true", verified);

        bool ok = PointEvaluationPrecompile.TryRun(Input(commitment, z, y, proof), out byte[] output);
        Assert.Equal(expected == "true", ok);
        if (ok)
        {
            Assert.Equal("0000000000000000000000000000000000000000000000000000000000001000" + Modulus,
                Convert.ToHexString(output).ToLowerInvariant());
        }
        else
        {
            Assert.Empty(output);
        }
    }

    [Theory]
    [InlineData("97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6")] // invalid_commitment_0: 47 bytes
    [InlineData("97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb00")] // invalid_commitment_1: 49 bytes
    public void WrongLengthCommitmentsFromTheVectorsAreRejected(string commitment) =>
        Assert.False(PointEvaluationPrecompile.VerifyKzgProof(Convert.FromHexString(commitment), Convert.FromHexString(One),
            Convert.FromHexString("1824b159acc5056f998c4fefecbc4ff55884b7fa0003480200000001fffffffe"),
            Convert.FromHexString("b0c829a8d2d3405304fecbea193e6c67f7c3912a6adc7c3737ad3f8a3b750425c1531a7426f03033a3994bc82a10609f")));

    [Fact]
    public void InputMustBeExactly192Bytes()
    {
        byte[] valid = Input(Infinity, One, Zero, Infinity);
        Assert.True(PointEvaluationPrecompile.TryRun(valid, out _));
        Assert.False(PointEvaluationPrecompile.TryRun(valid.AsSpan(0, 191), out _));
        Assert.False(PointEvaluationPrecompile.TryRun([.. valid, 0], out _));
        Assert.False(PointEvaluationPrecompile.TryRun([], out _));
    }

    [Fact]
    public void VersionedHashMustMatchTheCommitment()
    {
        byte[] input = Input(Infinity, One, Zero, Infinity);
        input[0] = 0x02; // wrong version byte
        Assert.False(PointEvaluationPrecompile.TryRun(input, out _));
        input = Input(Infinity, One, Zero, Infinity);
        input[31] ^= 1;
        Assert.False(PointEvaluationPrecompile.TryRun(input, out _));
    }

    [Fact]
    public void RegisteredAtTenFromCancunOnlyWithFlatGas()
    {
        Assert.True(PrecompileTable.ForFork(Fork.Cancun).TryGet(PrecompileTable.AddressOf(0x0a), out IPrecompile precompile));
        Assert.Equal(50_000, precompile.RequiredGas([]));
        Assert.Equal(50_000, precompile.RequiredGas(new byte[192]));
        Assert.True(precompile.TryRun(Input(Infinity, One, Zero, Infinity), out byte[] output));
        Assert.Equal(64, output.Length);
        foreach (Fork fork in new[] { Fork.Berlin, Fork.London, Fork.Paris, Fork.Shanghai })
        {
            Assert.False(PrecompileTable.ForFork(fork).Contains(PrecompileTable.AddressOf(0x0a)));
            Assert.True(PrecompileTable.ForFork(fork).Contains(PrecompileTable.AddressOf(0x09)));
        }
    }
}
