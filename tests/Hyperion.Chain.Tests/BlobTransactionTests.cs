using Hyperion.Core;
using Hyperion.Core.Transactions;
using Hyperion.Evm.Precompiles.Bls12381;
using Hyperion.Evm.Precompiles.Kzg;

namespace Hyperion.Chain.Tests;

/// <summary>
/// Blob (type 3) transactions reach the pool in their network form with a sidecar that is checked. A blob whose 4096
/// evaluations all equal c is the constant polynomial c: its commitment is [c]G1 and its proof the point at infinity
/// (the quotient is zero), which gives valid sidecars without the trusted setup's G1 points.
/// </summary>
public sealed class BlobTransactionTests
{
    private static readonly Address Bob = TestChain.Accounts[1].Address;

    private static TxPool NewPool(TxPoolOptions? options = null) =>
        new(options ?? new TxPoolOptions(), TransactionRules.Cancun(TestChain.ChainId), TestChain.Genesis().BuildState(), 1_000_000_000UL, 30_000_000);

    [Fact]
    public void A_constant_blob_with_its_commitment_and_an_empty_proof_verifies_and_a_changed_blob_does_not()
    {
        (byte[] blob, byte[] commitment, byte[] proof) = ConstantBlob(12345);
        Assert.True(BlobKzg.VerifyBlobProof(blob, commitment, proof));

        byte[] changed = (byte[])blob.Clone();
        changed[^1] ^= 1;
        Assert.False(BlobKzg.VerifyBlobProof(changed, commitment, proof));

        byte[] notAField = (byte[])blob.Clone();
        notAField.AsSpan(0, 32).Fill(0xff); // ≥ the BLS modulus
        Assert.False(BlobKzg.VerifyBlobProof(notAField, commitment, proof));

        Assert.False(BlobKzg.VerifyBlobProof(blob, commitment, Bls12381Curves.EncodeG1(Bls12381Curves.G1Generator)));
        Assert.False(BlobKzg.VerifyBlobProof(blob, ConstantBlob(12346).Commitment, proof));
    }

    [Fact]
    public void The_network_form_round_trips_and_hashes_as_the_canonical_form()
    {
        (Transaction tx, BlobSidecar sidecar) = SignedBlobTransaction(7);
        byte[] network = tx.EncodeNetwork(sidecar);
        Assert.True(Transaction.TryDecodeNetwork(network, out Transaction? decoded, out BlobSidecar? decodedSidecar, out string? error), error);
        Assert.Equal(tx.Hash, decoded!.Hash);
        Assert.Equal(sidecar.Blobs[0], decodedSidecar!.Blobs[0]);
        Assert.Equal(sidecar.Commitments[0], decodedSidecar.Commitments[0]);

        Assert.True(Transaction.TryDecodeNetwork(tx.Envelope, out Transaction? canonical, out BlobSidecar? none, out _));
        Assert.Equal(tx.Hash, canonical!.Hash);
        Assert.Null(none);

        byte[] truncatedBlob = network[..^60];
        Assert.False(Transaction.TryDecodeNetwork(truncatedBlob, out _, out _, out _));
    }

    [Fact]
    public void The_pool_requires_a_valid_sidecar()
    {
        (Transaction tx, BlobSidecar sidecar) = SignedBlobTransaction(7);
        TxPool pool = NewPool();
        Assert.Equal("missing sidecar in blob transaction", pool.Add(tx));

        var noProof = new BlobSidecar([.. sidecar.Blobs], [.. sidecar.Commitments], []);
        Assert.Equal("invalid number of 0 blob proofs compared to 1 blob hashes", pool.Add(tx, noProof));

        (byte[] otherBlob, byte[] otherCommitment, byte[] otherProof) = ConstantBlob(8);
        Assert.StartsWith("blob 0: computed hash", pool.Add(tx, new BlobSidecar([otherBlob], [otherCommitment], [otherProof])));

        byte[] wrongBlob = (byte[])sidecar.Blobs[0].Clone();
        wrongBlob[100] ^= 1;
        Assert.StartsWith("invalid blob 0", pool.Add(tx, new BlobSidecar([wrongBlob], [.. sidecar.Commitments], [.. sidecar.Proofs])));

        Assert.Null(pool.Add(tx, sidecar));
        Assert.Equal(1, pool.Count);
    }

    [Fact]
    public void Blob_transactions_can_be_refused_as_on_a_rollup()
    {
        (Transaction tx, BlobSidecar sidecar) = SignedBlobTransaction(7);
        TxPool pool = NewPool(new TxPoolOptions { AllowBlobTransactions = false });
        Assert.Equal("transaction type not supported", pool.Add(tx, sidecar));
    }

    [Fact]
    public void A_blob_transaction_with_its_sidecar_is_mined()
    {
        using LocalChain chain = LocalChain.Start(TestChain.Genesis(), new ChainOptions());
        (Transaction tx, BlobSidecar sidecar) = SignedBlobTransaction(9);
        Assert.Equal("missing sidecar in blob transaction", chain.Pool.Add(tx));
        Assert.Null(chain.Pool.Add(tx, sidecar));
        StoredBlock block = TestChain.WaitForInclusion(chain, tx.Hash);
        Assert.Equal(131_072UL, block.Header.BlobGasUsed);
    }

    private static (byte[] Blob, byte[] Commitment, byte[] Proof) ConstantBlob(ulong value)
    {
        byte[] blob = new byte[BlobKzg.BlobLength];
        Span<byte> element = stackalloc byte[32];
        new UInt256(value).WriteBigEndian(element);
        for (int i = 0; i < blob.Length; i += 32)
        {
            element.CopyTo(blob.AsSpan(i));
        }

        byte[] commitment = Bls12381Curves.EncodeG1(JacobianPoint<Fp>.Multiply(Bls12381Curves.G1Generator, element).ToAffine());
        byte[] proof = Bls12381Curves.EncodeG1(AffinePoint<Fp>.Infinity);
        return (blob, commitment, proof);
    }

    private static (Transaction Tx, BlobSidecar Sidecar) SignedBlobTransaction(ulong constant)
    {
        (byte[] blob, byte[] commitment, byte[] proof) = ConstantBlob(constant);
        byte[] versionedHash = new byte[32];
        BlobKzg.WriteVersionedHash(commitment, versionedHash);
        var tx = new Transaction
        {
            Type = TransactionType.Blob, ChainId = TestChain.ChainId, Nonce = 0, MaxFeePerGas = 10_000_000_000UL,
            MaxPriorityFeePerGas = 1_000_000_000UL, GasLimit = 21_000, To = Bob, MaxFeePerBlobGas = 10,
            BlobVersionedHashes = [new Hash256(versionedHash)],
        };
        return (TestChain.Sign(tx, 0), new BlobSidecar([blob], [commitment], [proof]));
    }
}
