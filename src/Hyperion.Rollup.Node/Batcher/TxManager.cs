using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.Blobs;
using Hyperion.Rollup.Node.L1;
using Hyperion.Rpc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Newtonsoft.Json.Linq;

namespace Hyperion.Rollup.Node.Batcher;

/// <summary>
/// One L1 transaction: calldata, or blobs (then no calldata), to the manager's inbox or, for a contract call (the
/// proposer, challenger and withdrawals), to <paramref name="To"/>.
/// </summary>
public sealed record TxCandidate(ReadOnlyMemory<byte> Calldata, IReadOnlyList<byte[]> Blobs, Address? To = null)
{
    public bool IsBlob => Blobs.Count > 0;
}

/// <summary>An included transaction: its hash, block, what it paid for, and whether it succeeded (receipt status 1).</summary>
public sealed record TxInclusion(Hash256 Hash, ulong BlockNumber, ulong GasUsed, UInt256 EffectiveGasPrice, ulong BlobGasUsed, UInt256 BlobGasPrice, int Attempts, bool Succeeded = true);

public sealed record TxManagerOptions
{
    /// <summary>How long a transaction may stay pending before it is replaced with higher fees.</summary>
    public TimeSpan ResubmissionTimeout { get; init; } = TimeSpan.FromSeconds(24);

    /// <summary>How often receipts are polled.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The tip offered when the L1 node has no eth_maxPriorityFeePerGas.</summary>
    public UInt256 DefaultTip { get; init; } = 1_000_000_000UL;
}

/// <summary>
/// Sends the batcher's L1 transactions one after another, signed with the project's own signer (Core), and waits for
/// each to be included. The nonce comes from L1's pending nonce at start and then counts up, so a restart neither
/// leaves a gap nor reuses a nonce. A transaction pending past the resubmission timeout is replaced at the same
/// nonce with fees bumped as the pools require (<see cref="TxFees.BumpedFor"/>); every hash sent stays watched, so
/// whichever version L1 includes counts.
/// </summary>
public sealed class TxManager
{
    private readonly IJsonRpc _l1;
    private readonly byte[] _key;
    private readonly Func<KzgSetup> _kzg;
    private readonly TxManagerOptions _options;
    private readonly ILogger _log;
    private ulong? _nonce;

    public TxManager(IJsonRpc l1, ulong chainId, byte[] privateKey, Address inbox, Func<KzgSetup> kzg, TxManagerOptions? options = null, ILogger? log = null)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        _l1 = l1;
        ChainId = chainId;
        _key = privateKey;
        Sender = Secp256k1.AddressFromPrivateKey(privateKey);
        Inbox = inbox;
        _kzg = kzg;
        _options = options ?? new TxManagerOptions();
        _log = log ?? NullLogger.Instance;
    }

    public ulong ChainId { get; }

    public Address Sender { get; }

    public Address Inbox { get; }

    /// <summary>The nonce the next transaction will use (null until the first send reads it from L1).</summary>
    public ulong? NextNonce => _nonce;

    /// <summary>Sends <paramref name="candidate"/> and returns once L1 includes it (or a replacement of it).</summary>
    /// <exception cref="JsonRpcCallException">L1 refused the transaction for a reason a fee bump does not cure.</exception>
    public async Task<TxInclusion> SendAsync(TxCandidate candidate, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        _nonce ??= await PendingNonceAsync(cancellation).ConfigureAwait(false);
        BlobSidecar? sidecar = candidate.IsBlob ? Sidecar(candidate.Blobs) : null;
        Hash256[] blobHashes = sidecar is null ? [] : [.. sidecar.Commitments.Select(c => Kzg.VersionedHash(c))];
        ulong gas = await GasLimitAsync(candidate, cancellation).ConfigureAwait(false);
        TxFees fees = await MarketFeesAsync(cancellation).ConfigureAwait(false);
        var sent = new List<Hash256>();
        for (int attempt = 1; ; attempt++)
        {
            cancellation.ThrowIfCancellationRequested();
            ulong nonce = _nonce.Value;
            Transaction tx = TransactionSigner.Sign(Build(candidate, nonce, gas, fees, blobHashes), _key);
            byte[] raw = sidecar is null ? tx.Envelope.ToArray() : tx.EncodeNetwork(sidecar);
            try
            {
                await _l1.CallAsync("eth_sendRawTransaction", [Hex.Encode(raw)], cancellation).ConfigureAwait(false);
                sent.Add(tx.Hash);
                if (_log.IsEnabled(LogLevel.Information))
                {
                    _log.LogInformation(
                        "L1 tx {Hash} sent: nonce {Nonce}, {Blobs} blob(s), {Calldata} bytes of calldata, tip {Tip}, fee cap {FeeCap}, blob fee cap {BlobFeeCap}",
                        tx.Hash, nonce, candidate.Blobs.Count, candidate.Calldata.Length, fees.Tip, fees.FeeCap, fees.BlobFeeCap);
                }
            }
            catch (JsonRpcCallException e) when (IsAlreadyKnown(e))
            {
                sent.Add(tx.Hash);
            }
            catch (JsonRpcCallException e) when (IsNonceTooLow(e))
            {
                // One of ours was included meanwhile, or another sender used the nonce: look, then re-read the nonce.
                if (await FindIncludedAsync(sent, attempt, cancellation).ConfigureAwait(false) is TxInclusion done)
                {
                    return done;
                }

                _nonce = await PendingNonceAsync(cancellation).ConfigureAwait(false);
                _log.LogWarning("L1 nonce {Nonce} was used by another transaction; continuing at {Next}", nonce, _nonce);
                continue;
            }
            catch (JsonRpcCallException e) when (e.Code is null)
            {
                // No answer (timeout, connection lost): the node may have taken it, so it is watched like the others.
                sent.Add(tx.Hash);
                _log.LogWarning("L1 tx {Hash} at nonce {Nonce}: no answer from L1 ({Error}); watching it", tx.Hash, nonce, e.Message);
            }
            catch (JsonRpcCallException e) when (IsUnderpriced(e))
            {
                fees = fees.BumpedFor(await MarketFeesAsync(cancellation).ConfigureAwait(false), candidate.IsBlob);
                _log.LogWarning("L1 tx at nonce {Nonce} underpriced ({Error}); bumping fees", nonce, e.Message);
                continue;
            }

            DateTime deadline = DateTime.UtcNow + _options.ResubmissionTimeout;
            while (DateTime.UtcNow < deadline)
            {
                await Task.Delay(_options.PollInterval, cancellation).ConfigureAwait(false);
                if (await FindIncludedAsync(sent, attempt, cancellation).ConfigureAwait(false) is TxInclusion included)
                {
                    return included;
                }
            }

            // Every nonce below ours was included once (one transaction at a time); if L1 now counts fewer, an L1 reorg
            // dropped some of ours and this one waits behind a gap that nothing else will fill: send it at L1's nonce.
            ulong onL1 = await NonceAsync("latest", cancellation).ConfigureAwait(false);
            if (onL1 < nonce)
            {
                _log.LogWarning("batcher: L1 has included only nonces below {OnL1}, not up to {Nonce} (an L1 reorg dropped some); resending at {OnL1}", onL1, nonce, onL1);
                _nonce = onL1;
                continue;
            }

            fees = fees.BumpedFor(await MarketFeesAsync(cancellation).ConfigureAwait(false), candidate.IsBlob);
            _log.LogWarning("L1 tx at nonce {Nonce} not included after {Timeout}; resubmitting with tip {Tip}, fee cap {FeeCap}", nonce,
                _options.ResubmissionTimeout, fees.Tip, fees.FeeCap);
        }
    }

    /// <summary>The prices to offer now: L1's latest base fee, its suggested tip, and its blob base fee.</summary>
    public async Task<TxFees> MarketFeesAsync(CancellationToken cancellation)
    {
        (UInt256 baseFee, UInt256 blobBaseFee) = await L1PricesAsync(cancellation).ConfigureAwait(false);
        UInt256 tip = _options.DefaultTip;
        try
        {
            if (await _l1.CallAsync("eth_maxPriorityFeePerGas", [], cancellation).ConfigureAwait(false) is JValue value)
            {
                tip = UInt256.Parse((string)value!);
            }
        }
        catch (JsonRpcCallException e) when (e.IsMethodNotFound)
        {
        }

        return TxFees.AtMarket(baseFee, tip, blobBaseFee);
    }

    /// <summary>The latest L1 block's base fee and L1's blob base fee.</summary>
    public async Task<(UInt256 BaseFee, UInt256 BlobBaseFee)> L1PricesAsync(CancellationToken cancellation)
    {
        JToken latest = await _l1.CallAsync("eth_getBlockByNumber", ["latest", false], cancellation).ConfigureAwait(false)
            ?? throw new JsonRpcCallException("eth_getBlockByNumber", "L1 has no latest block");
        UInt256 baseFee = RpcObjects.Has(latest, "baseFeePerGas") ? RpcObjects.Quantity256(latest, "baseFeePerGas") : UInt256.Zero;
        JToken? blob = await _l1.CallAsync("eth_blobBaseFee", [], cancellation).ConfigureAwait(false);
        UInt256 blobBaseFee = blob is JValue v ? UInt256.Parse((string)v!) : UInt256.One;
        return (baseFee, blobBaseFee);
    }

    /// <summary>How many of the sender's transactions L1's pool holds beyond its latest block (sent, not yet included).</summary>
    public async Task<ulong> PendingCountAsync(CancellationToken cancellation)
    {
        ulong pending = await PendingNonceAsync(cancellation).ConfigureAwait(false);
        ulong included = await NonceAsync("latest", cancellation).ConfigureAwait(false);
        return pending > included ? pending - included : 0;
    }

    /// <summary>The number of L1's latest block.</summary>
    public async Task<ulong> L1HeadAsync(CancellationToken cancellation)
    {
        JToken latest = await _l1.CallAsync("eth_getBlockByNumber", ["latest", false], cancellation).ConfigureAwait(false)
            ?? throw new JsonRpcCallException("eth_getBlockByNumber", "L1 has no latest block");
        return RpcObjects.Quantity(latest, "number");
    }

    /// <summary>Whether L1's canonical chain still includes <paramref name="hash"/> (an L1 reorg may have dropped it).</summary>
    public async Task<bool> IsIncludedAsync(Hash256 hash, CancellationToken cancellation)
    {
        JToken? receipt = await _l1.CallAsync("eth_getTransactionReceipt", [hash.ToString()], cancellation).ConfigureAwait(false);
        return receipt is not null && receipt.Type != JTokenType.Null && RpcObjects.Has(receipt, "blockNumber");
    }

    private Task<ulong> PendingNonceAsync(CancellationToken cancellation) => NonceAsync("pending", cancellation);

    private async Task<ulong> NonceAsync(string block, CancellationToken cancellation)
    {
        JToken? count = await _l1.CallAsync("eth_getTransactionCount", [Sender.ToString(), block], cancellation).ConfigureAwait(false);
        return EthJson.ParseQuantity((string?)count ?? throw new JsonRpcCallException("eth_getTransactionCount", "answered null"));
    }

    private async Task<ulong> GasLimitAsync(TxCandidate candidate, CancellationToken cancellation)
    {
        if (candidate.IsBlob)
        {
            return 21_000;
        }

        // A contract call's estimate is the revert check too: a call that would revert is refused here, unsent.
        var call = new JObject { ["from"] = Sender.ToString(), ["to"] = (candidate.To ?? Inbox).ToString(), ["data"] = Hex.Encode(candidate.Calldata.Span) };
        JToken? estimate = await _l1.CallAsync("eth_estimateGas", [call], cancellation).ConfigureAwait(false);
        ulong gas = EthJson.ParseQuantity((string?)estimate ?? throw new JsonRpcCallException("eth_estimateGas", "answered null"));
        return candidate.To is null ? gas : gas + (gas / 4); // contract state may change before inclusion
    }

    private async Task<TxInclusion?> FindIncludedAsync(List<Hash256> sent, int attempts, CancellationToken cancellation)
    {
        foreach (Hash256 hash in sent)
        {
            JToken? receipt = await _l1.CallAsync("eth_getTransactionReceipt", [hash.ToString()], cancellation).ConfigureAwait(false);
            if (receipt is null || receipt.Type == JTokenType.Null || !RpcObjects.Has(receipt, "blockNumber"))
            {
                continue;
            }

            _nonce = _nonce!.Value + 1;
            return new TxInclusion(
                hash, RpcObjects.Quantity(receipt, "blockNumber"), RpcObjects.Quantity(receipt, "gasUsed"),
                RpcObjects.Has(receipt, "effectiveGasPrice") ? RpcObjects.Quantity256(receipt, "effectiveGasPrice") : UInt256.Zero,
                RpcObjects.Has(receipt, "blobGasUsed") ? RpcObjects.Quantity(receipt, "blobGasUsed") : 0,
                RpcObjects.Has(receipt, "blobGasPrice") ? RpcObjects.Quantity256(receipt, "blobGasPrice") : UInt256.Zero,
                attempts,
                !RpcObjects.Has(receipt, "status") || RpcObjects.Quantity(receipt, "status") == 1);
        }

        return null;
    }

    private Transaction Build(TxCandidate candidate, ulong nonce, ulong gas, TxFees fees, Hash256[] blobHashes) => new()
    {
        Type = candidate.IsBlob ? TransactionType.Blob : TransactionType.DynamicFee,
        ChainId = ChainId,
        Nonce = nonce,
        MaxPriorityFeePerGas = fees.Tip,
        MaxFeePerGas = fees.FeeCap,
        GasLimit = gas,
        To = candidate.To ?? Inbox,
        Data = candidate.IsBlob ? ReadOnlyMemory<byte>.Empty : candidate.Calldata,
        MaxFeePerBlobGas = candidate.IsBlob ? fees.BlobFeeCap : UInt256.Zero,
        BlobVersionedHashes = blobHashes,
    };

    private BlobSidecar Sidecar(IReadOnlyList<byte[]> blobs)
    {
        KzgSetup setup = _kzg();
        var commitments = new byte[blobs.Count][];
        var proofs = new byte[blobs.Count][];
        Parallel.For(0, blobs.Count, i =>
        {
            commitments[i] = Kzg.BlobToCommitment(blobs[i], setup);
            proofs[i] = Kzg.ComputeBlobProof(blobs[i], commitments[i], setup);
        });
        return new BlobSidecar([.. blobs], commitments, proofs);
    }

    private static bool IsAlreadyKnown(JsonRpcCallException e) => Contains(e, "already known") || Contains(e, "already imported") || Contains(e, "already exists");

    private static bool IsNonceTooLow(JsonRpcCallException e) => Contains(e, "nonce too low") || Contains(e, "nonce is too low");

    private static bool IsUnderpriced(JsonRpcCallException e) => Contains(e, "underpriced") || Contains(e, "replacement") || Contains(e, "fee too low") || Contains(e, "max fee per gas less than block base fee");

    private static bool Contains(JsonRpcCallException e, string text) => e.Message.Contains(text, StringComparison.OrdinalIgnoreCase);
}
