using Hyperion.Core.Crypto;

namespace Hyperion.Core.Transactions;

/// <summary>
/// An Ethereum (or OP-stack deposit) transaction of any type. Fields that a type does not have keep their defaults
/// (e.g. <see cref="BlobVersionedHashes"/> is empty for a non-blob transaction). Instances are immutable; a decoded
/// transaction's <see cref="Data"/> is a slice of the decoded input (no copy), so the input must not be reused.
/// Encoding, decoding and hashing are in the other parts of this class.
/// </summary>
public sealed partial record Transaction
{
    // The input slice a decoded transaction came from (set before the object is published); otherwise the encoding is
    // computed on first use into _encoded. Other lazily computed values are boxed so that publishing one to another
    // thread is a single atomic reference write.
    private ReadOnlyMemory<byte> _decodedEnvelope;
    private byte[]? _encoded;
    private Computed<Hash256>? _hash;

    // Fields of the rarer types live in side objects so that the common transaction stays small.
    private DepositFields? _deposit;
    private UInt256? _maxFeePerBlobGas;
    private Computed<Address>? _sender;

    public Transaction()
    {
    }

    /// <summary>Copies the fields but not the cached encoding, hash or sender (they depend on the fields that <c>with</c> changes).</summary>
    private Transaction(Transaction original)
    {
        Type = original.Type;
        ChainId = original.ChainId;
        Nonce = original.Nonce;
        GasPrice = original.GasPrice;
        MaxPriorityFeePerGas = original.MaxPriorityFeePerGas;
        MaxFeePerGas = original.MaxFeePerGas;
        GasLimit = original.GasLimit;
        To = original.To;
        Value = original.Value;
        Data = original.Data;
        AccessList = original.AccessList;
        _maxFeePerBlobGas = original._maxFeePerBlobGas;
        BlobVersionedHashes = original.BlobVersionedHashes;
        AuthorizationList = original.AuthorizationList;
        V = original.V;
        R = original.R;
        S = original.S;
        _deposit = original._deposit?.Clone();
    }

    public TransactionType Type { get; init; }

    /// <summary>
    /// The chain id: the field of a typed transaction; for a legacy transaction the EIP-155 chain id (derived from
    /// <see cref="V"/> when decoded), or null for a pre-EIP-155 signature. Deposits have none.
    /// </summary>
    public ulong? ChainId { get; init; }

    public ulong Nonce { get; init; }

    /// <summary>Gas price of legacy and EIP-2930 transactions.</summary>
    public UInt256 GasPrice { get; init; }

    /// <summary>EIP-1559 tip cap (types 2, 3, 4).</summary>
    public UInt256 MaxPriorityFeePerGas { get; init; }

    /// <summary>EIP-1559 fee cap (types 2, 3, 4).</summary>
    public UInt256 MaxFeePerGas { get; init; }

    public ulong GasLimit { get; init; }

    /// <summary>The recipient; null for a contract creation.</summary>
    public Address? To { get; init; }

    public UInt256 Value { get; init; }

    /// <summary>Calldata, or init code for a creation.</summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    public AccessListEntry[] AccessList { get; init; } = [];

    /// <summary>EIP-4844 fee cap per unit of blob gas.</summary>
    public UInt256 MaxFeePerBlobGas
    {
        get => _maxFeePerBlobGas.GetValueOrDefault();
        init => _maxFeePerBlobGas = value;
    }

    /// <summary>EIP-4844 versioned hashes (version byte 0x01 || sha256(commitment)[1..]).</summary>
    public Hash256[] BlobVersionedHashes { get; init; } = [];

    /// <summary>EIP-7702 authorization tuples.</summary>
    public Authorization[] AuthorizationList { get; init; } = [];

    /// <summary>Legacy: the signature's v (27/28, or chainId·2 + 35/36 under EIP-155). Typed: the y parity (0 or 1).</summary>
    public ulong V { get; init; }

    public UInt256 R { get; init; }

    public UInt256 S { get; init; }

    /// <summary>Deposit: the hash that uniquely identifies the deposit's L1 origin.</summary>
    public Hash256 SourceHash
    {
        get => _deposit?.SourceHash ?? default;
        init => (_deposit ??= new DepositFields()).SourceHash = value;
    }

    /// <summary>Deposit: the sender, which a deposit carries instead of a signature.</summary>
    public Address From
    {
        get => _deposit?.From ?? default;
        init => (_deposit ??= new DepositFields()).From = value;
    }

    /// <summary>Deposit: ETH minted on L2 to the sender before execution.</summary>
    public UInt256 Mint
    {
        get => _deposit?.Mint ?? default;
        init => (_deposit ??= new DepositFields()).Mint = value;
    }

    /// <summary>Deposit: a system transaction (pre-Regolith: gas-free and not metered).</summary>
    public bool IsSystemTransaction
    {
        get => _deposit?.IsSystemTransaction ?? false;
        init => (_deposit ??= new DepositFields()).IsSystemTransaction = value;
    }

    public bool IsCreate => To is null;

    /// <summary>True for types 2, 3 and 4, which price gas with a fee cap and a tip cap.</summary>
    public bool HasDynamicFee => Type is TransactionType.DynamicFee or TransactionType.Blob or TransactionType.SetCode;

    /// <summary>The most the sender pays per gas: the gas price, or the EIP-1559 fee cap.</summary>
    public UInt256 FeeCap => HasDynamicFee ? MaxFeePerGas : GasPrice;

    /// <summary>The most the block producer receives per gas above the base fee.</summary>
    public UInt256 TipCap => HasDynamicFee ? MaxPriorityFeePerGas : GasPrice;

    /// <summary>Blob gas this transaction uses (EIP-4844: 131072 per blob).</summary>
    public ulong BlobGas => (ulong)BlobVersionedHashes.Length * Blocks.BlobGas.GasPerBlob;

    /// <summary>
    /// The price per gas actually paid given <paramref name="baseFee"/>: min(fee cap, base fee + tip cap) for
    /// dynamic-fee transactions, the gas price otherwise. The caller has checked fee cap ≥ base fee.
    /// </summary>
    public UInt256 EffectiveGasPrice(in UInt256 baseFee)
    {
        if (!HasDynamicFee)
        {
            return GasPrice;
        }

        bool overflow = UInt256.AddOverflow(in baseFee, MaxPriorityFeePerGas, out UInt256 sum);
        return overflow || sum > MaxFeePerGas ? MaxFeePerGas : sum;
    }

    /// <summary>The transaction hash: keccak256 of the network encoding (<c>type || rlp(payload)</c>, or the legacy RLP list).</summary>
    public Hash256 Hash => (_hash ??= new Computed<Hash256>(Keccak256.Hash(Envelope.Span))).Value;

    /// <summary>
    /// Recovers the sender from the signature (a deposit's sender is <see cref="From"/>). False when v, r or s are
    /// not a valid signature or no public key matches. The result is cached.
    /// </summary>
    public bool TryRecoverSender(out Address sender)
    {
        if (_sender is { } cached)
        {
            sender = cached.Value;
            return true;
        }

        sender = default;
        if (Type == TransactionType.Deposit)
        {
            sender = From;
        }
        else if (!TryGetRecoveryId(out byte recoveryId) || !Secp256k1.TryRecoverAddress(SigningHash().Bytes, R, S, recoveryId, out sender))
        {
            return false;
        }

        _sender = new Computed<Address>(sender);
        return true;
    }

    /// <summary>Whether <see cref="TryRecoverSender"/> has a sender cached (a failed recovery is not cached).</summary>
    internal bool IsSenderRecovered => _sender is not null;

    /// <summary>A copy carrying the signature (r, s, recovery id), with v set as this type encodes it.</summary>
    public Transaction WithSignature(in UInt256 r, in UInt256 s, byte recoveryId)
    {
        if (recoveryId > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(recoveryId), recoveryId, "Ethereum signatures use recovery id 0 or 1.");
        }

        ulong v = Type switch
        {
            TransactionType.Deposit => throw new InvalidOperationException("A deposit transaction is not signed."),
            TransactionType.Legacy when ChainId is ulong chainId => checked((chainId * 2) + 35 + recoveryId),
            TransactionType.Legacy => 27UL + recoveryId,
            _ => recoveryId,
        };
        return this with { V = v, R = r, S = s };
    }

    /// <summary>The secp256k1 recovery id (0/1) encoded in <see cref="V"/>; false when v is not a valid value for this type.</summary>
    public bool TryGetRecoveryId(out byte recoveryId)
    {
        recoveryId = 0;
        ulong v = V;
        if (Type != TransactionType.Legacy)
        {
            if (v > 1)
            {
                return false;
            }
        }
        else if (v is 27 or 28)
        {
            if (ChainId is not null)
            {
                return false;
            }

            v -= 27;
        }
        else
        {
            if (v < 35 || ChainId is not ulong chainId || (v - 35) / 2 != chainId)
            {
                return false;
            }

            v = (v - 35) & 1;
        }

        recoveryId = (byte)v;
        return true;
    }

    /// <summary>Equal when the network encodings are equal (which covers every field).</summary>
    public bool Equals(Transaction? other) =>
        other is not null && (ReferenceEquals(this, other) || Envelope.Span.SequenceEqual(other.Envelope.Span));

    public override int GetHashCode() => Hash.GetHashCode();

    /// <summary>Deposit-only fields; written only while the owning transaction is initialized, cloned by <c>with</c>.</summary>
    private sealed class DepositFields
    {
        public Hash256 SourceHash;
        public Address From;
        public UInt256 Mint;
        public bool IsSystemTransaction;

        public DepositFields Clone() => (DepositFields)MemberwiseClone();
    }
}
