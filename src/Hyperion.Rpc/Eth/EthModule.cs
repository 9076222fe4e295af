using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hyperion.Chain;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;
using Hyperion.Core.Wallet;
using Hyperion.Evm.Tracing;
using Hyperion.Execution.Transactions;
using Hyperion.State;
using Hyperion.State.World;
using BlobGas = Hyperion.Core.Blocks.BlobGas;

namespace Hyperion.Rpc.Eth;

/// <summary>
/// The eth_* and txpool_* methods over a chain reader, a transaction pool and a proof provider: state and chain reads
/// at any block tag in the state window, calls and gas estimation, transaction submission (raw, and signed here for
/// dev accounts), logs and fee data.
/// </summary>
public sealed class EthModule : IRpcModule
{
    /// <summary>Suggested priority fee (1 gwei), as geth's default for a quiet chain.</summary>
    public static readonly UInt256 DefaultPriorityFee = 1_000_000_000UL;

    /// <summary>geth's default --rpc.gascap: the most gas one eth_call or eth_estimateGas may use.</summary>
    public const ulong DefaultRpcGasCap = 50_000_000;

    private readonly IChainReader _chain;
    private readonly ITransactionPool _pool;
    private readonly IStateProofProvider _proofs;
    private readonly IReadOnlyDictionary<Address, DevAccount> _accounts;

    /// <summary><see cref="SubmitAsync(Transaction, BlobSidecar?, CancellationToken)"/> as the one delegate every decoded raw transaction carries.</summary>
    private readonly Func<Transaction, BlobSidecar?, CancellationToken, ValueTask<JsonNode?>> _submitRaw;

    public EthModule(IChainReader chain, ITransactionPool pool, IStateProofProvider proofs, IReadOnlyList<DevAccount> accounts)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(proofs);
        ArgumentNullException.ThrowIfNull(accounts);
        _chain = chain;
        _pool = pool;
        _proofs = proofs;
        _accounts = accounts.ToDictionary(a => a.Address);
        AccountList = [.. accounts.Select(a => a.Address)];
        _submitRaw = SubmitAsync;
    }

    public IReadOnlyList<Address> AccountList { get; }

    /// <summary>
    /// The most gas a call (eth_call, eth_estimateGas, eth_createAccessList, debug_traceCall) may use, independent of
    /// the block gas limit as in geth and anvil; 0 for no cap.
    /// </summary>
    public ulong RpcGasCap { get; init; } = DefaultRpcGasCap;

    /// <summary>The chain's block producer, whose inclusions a send waits for when it mines on demand; null: sends return at once.</summary>
    public IBlockProducer? Producer { get; init; }

    /// <summary>
    /// Whether eth_sendTransaction may send from an account whose key the node does not hold (a dev chain's
    /// anvil_impersonateAccount); null: never (a chain without dev controls).
    /// </summary>
    public Func<Address, bool>? IsImpersonated { get; init; }

    /// <summary>Bounds on eth_getLogs.</summary>
    public LogQueryLimits LogLimits { get; init; } = LogQueryLimits.Default;

    private IBlockReader Store => _chain.Blocks;

    /// <summary>
    /// The chain as reads see it: while the producer has a preconfirmed open block, that block is the head (<c>latest</c>,
    /// <c>pending</c>, its number, its provisional hash; <see cref="PreconfirmedChain"/>); otherwise the sealed chain.
    /// </summary>
    private IBlockReader View => Preconfirmations?.Current is { } open ? new PreconfirmedChain(Store, open) : Store;

    public void Register(RpcMethodRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry
            .Add("eth_chainId", _ => EthFormat.Quantity(_chain.ChainId))
            .Add("eth_blockNumber", _ => EthFormat.Quantity(View.Head.Number))
            .Add("eth_syncing", _ => JsonValue.Create(false))
            .Add("eth_mining", _ => JsonValue.Create(true))
            .Add("eth_accounts", _ => new JsonArray([.. AccountList.Select(a => (JsonNode)JsonValue.Create(a.ToString()))]))
            .Add("eth_getBalance", p => EthFormat.Quantity(Account(p, 0, 1).Balance))
            .Add("eth_getTransactionCount", GetTransactionCount)
            .Add("eth_getCode", p =>
            {
                IStateReader state = StateAt(p, 1);
                return Hex.Encode(state.TryGetAccount(GetAddress(p, 0), out Account a) ? state.GetCode(a.CodeHash) : []);
            })
            .Add("eth_getStorageAt", p =>
            {
                UInt256 value = StateAt(p, 2).GetStorage(GetAddress(p, 0), GetUInt256(p, 1));
                Span<byte> word = stackalloc byte[32];
                value.WriteBigEndian(word);
                return Hex.Encode(word);
            })
            .Add("eth_getProof", GetProof)
            // geth's eth_getAccount: the account's trie fields, zeros and the empty hashes when it does not exist.
            .Add("eth_getAccount", p =>
            {
                Account account = StateAt(p, 1).TryGetAccount(GetAddress(p, 0), out Account found) ? found : Hyperion.State.Account.Empty;
                return new JsonObject
                {
                    ["codeHash"] = account.CodeHash.ToString(),
                    ["storageRoot"] = account.StorageRoot.ToString(),
                    ["balance"] = EthFormat.Quantity(account.Balance),
                    ["nonce"] = EthFormat.Quantity(account.Nonce),
                };
            })
            .Add("eth_getBlockByNumber", p => BlockOrNull(() => Resolve(p, 0), FullTransactions(p)))
            .Add("eth_getBlockByHash", p => BlockOrNull(() => View.GetByHash(GetHash(p, 0)), FullTransactions(p)))
            .Add("eth_getBlockTransactionCountByNumber", p => CountOrNull(() => Resolve(p, 0)))
            .Add("eth_getBlockTransactionCountByHash", p => CountOrNull(() => View.GetByHash(GetHash(p, 0))))
            .Add("eth_getUncleCountByBlockNumber", _ => "0x0")
            .Add("eth_getUncleCountByBlockHash", _ => "0x0")
            .Add("eth_getTransactionByHash", GetTransactionByHash)
            .Add("eth_getTransactionByBlockNumberAndIndex", p => TransactionAt(TryResolve(() => Resolve(p, 0)), p.GetQuantity(1)))
            .Add("eth_getTransactionByBlockHashAndIndex", p => TransactionAt(View.GetByHash(GetHash(p, 0)), p.GetQuantity(1)))
            .Add("eth_getTransactionReceipt", p => FindTransaction(GetHash(p, 0), out StoredBlock block, out int index) ? Receipt(block, index) : null)
            .Add("eth_getBlockReceipts", p =>
            {
                StoredBlock? block = TryResolve(() => Resolve(p, 0));
                return block is null ? null : new JsonArray([.. Enumerable.Range(0, block.Receipts.Count).Select(i => (JsonNode)Receipt(block, i))]);
            })
            .AddSubmission("eth_sendRawTransaction", p => DecodeRaw(p.GetData(0)))
            .AddSubmission("eth_sendTransaction", (p, cancel) => SendTransactionAsync(CallRequest.Parse(p, 0), cancel))
            .Add("eth_signTransaction", p => Hex.Encode(SignForDevAccount(CallRequest.Parse(p, 0)).Envelope.Span))
            .Add("eth_sign", p => PersonalSign(GetAddress(p, 0), p.GetData(1)))
            .Add("personal_sign", p => PersonalSign(GetAddress(p, 1), p.GetData(0)))
            .Add("eth_signTypedData_v4", SignTypedData)
            .AddExecution("eth_call", (RpcParams p, out ulong gasUsed) =>
            {
                ReadOnlyMemory<byte> output = Call(CallRequest.Parse(p, 0) with { Overrides = StateOverrides.Parse(p, 2) }, Resolve(p, 1), out TransactionResult result);
                gasUsed = (ulong)result.GasUsed;
                return Hex.Encode(output.Span);
            }, CallStateVersion)
            .AddExecution("eth_estimateGas", p => EthFormat.Quantity(EstimateGas(CallRequest.Parse(p, 0) with { Overrides = StateOverrides.Parse(p, 2) }, Resolve(p, 1))))
            .AddExecution("eth_createAccessList", p => CreateAccessList(CallRequest.Parse(p, 0), Resolve(p, 1)))
            .Add("eth_gasPrice", _ => EthFormat.Quantity(NextBaseFee() + DefaultPriorityFee))
            .Add("eth_maxPriorityFeePerGas", _ => EthFormat.Quantity(DefaultPriorityFee))
            .Add("eth_blobBaseFee", _ => EthFormat.Quantity(BlobBaseFee(Store.Head.Header)))
            .Add("eth_feeHistory", FeeHistory)
            .Add("eth_getLogs", p =>
            {
                IBlockReader view = View;
                return new JsonArray([.. LogFilter.Parse(p, 0, view).Query(view, LogLimits)]);
            })
            .Add("txpool_status", _ =>
            {
                var (pending, queued) = _pool.Content();
                return new JsonObject { ["pending"] = EthFormat.Quantity((ulong)pending.Values.Sum(l => l.Count)), ["queued"] = EthFormat.Quantity((ulong)queued.Values.Sum(l => l.Count)) };
            })
            .Add("txpool_content", _ =>
            {
                var (pending, queued) = _pool.Content();
                return new JsonObject { ["pending"] = PoolGroup(pending), ["queued"] = PoolGroup(queued) };
            })
            // One state or index look-up each, answered where the request was read (the rest hop to the pool).
            .RunInline("eth_chainId", "eth_blockNumber", "eth_syncing", "eth_getBalance", "eth_getTransactionCount", "eth_getCode",
                "eth_getStorageAt", "eth_getTransactionByHash", "eth_getTransactionReceipt", "eth_gasPrice", "eth_maxPriorityFeePerGas");
    }

    // ---- state

    private IStateReader StateAt(RpcParams p, int index)
    {
        StoredBlock block = Resolve(p, index);
        return StateAfter(block) ?? throw new RpcException($"missing trie node: state of block {block.Number} is not kept (oldest is {_chain.OldestState})");
    }

    /// <summary>The state after <paramref name="block"/>: for the preconfirmed open block, after its preconfirmed transactions.</summary>
    private IStateReader? StateAfter(StoredBlock block)
    {
        ulong head = Store.Head.Number;
        // The open block may have closed since it was resolved: then the sealed block's state is the state after it.
        return block.Number > head ? Preconfirmations?.PendingState() ?? _chain.StateAt(head) : _chain.StateAt(block.Number);
    }

    /// <summary>
    /// What a repeated eth_call's gas is known for (<see cref="ShortCallRecord"/>): the latest state's version (a new
    /// block or a dev chain's state edit replaces it); null while the producer has an open preconfirmed block, whose
    /// state changes without either.
    /// </summary>
    private object? CallStateVersion() => Preconfirmations?.Current is null ? _chain.LatestStateVersion : null;

    /// <summary>The producer's preconfirmations, if it gives them.</summary>
    private IPreconfirmations? Preconfirmations => Producer?.Preconfirmations;

    /// <summary>
    /// A block parameter on <see cref="View"/>: <c>latest</c> and <c>pending</c> name the producer's open block with its
    /// preconfirmed transactions (its hash provisional: the state root is computed at closing) and the head when none
    /// is preconfirmed.
    /// </summary>
    private StoredBlock Resolve(RpcParams p, int index) => BlockTag.Resolve(View, p, index);

    /// <summary>A transaction in a canonical block or, failing that, preconfirmed in the open block.</summary>
    private bool FindTransaction(in Hash256 hash, out StoredBlock block, out int index) => View.TryFindTransaction(hash, out block, out index);

    private Account Account(RpcParams p, int addressIndex, int blockIndex)
    {
        IStateReader state = StateAt(p, blockIndex);
        return state.TryGetAccount(GetAddress(p, addressIndex), out Account account) ? account : State.Account.Empty;
    }

    /// <summary>Most slots one eth_getProof may ask for (geth has no limit; each slot costs a storage-trie walk).</summary>
    public const int MaxProofSlots = 1024;

    /// <summary>EIP-1186: the account and the requested slots with their Merkle proofs at a block in the state window.</summary>
    private JsonNode GetProof(RpcParams p)
    {
        Address address = GetAddress(p, 0);
        if (!p.Has(1) || p[1].ValueKind != JsonValueKind.Array)
        {
            throw RpcException.InvalidParams("invalid argument 1: expected an array of storage keys");
        }

        if (p[1].GetArrayLength() > MaxProofSlots)
        {
            throw RpcException.InvalidParams($"invalid argument 1: more than {MaxProofSlots} storage keys");
        }

        var slots = new List<UInt256>();
        foreach (JsonElement key in p[1].EnumerateArray())
        {
            slots.Add(key.ValueKind == JsonValueKind.String && UInt256.TryParse(key.GetString(), out UInt256 slot)
                ? slot
                : throw RpcException.InvalidParams("invalid argument 1: a storage key is not a 256-bit value"));
        }

        StoredBlock block = BlockTag.Resolve(Store, p, 2);
        AccountProof proof = _proofs.GetProof(block.Number, address, slots)
            ?? throw new RpcException($"missing trie node: state of block {block.Number} is not kept (oldest is {_chain.OldestState})");
        Span<byte> word = stackalloc byte[32];
        var storage = new JsonArray();
        foreach (StorageSlotProof slot in proof.StorageProofs)
        {
            slot.Key.WriteBigEndian(word);
            storage.Add(new JsonObject
            {
                ["key"] = Hex.Encode(word),
                ["value"] = EthFormat.Quantity(slot.Value),
                ["proof"] = ProofNodes(slot.Proof),
            });
        }

        return new JsonObject
        {
            ["address"] = address.ToString(),
            ["accountProof"] = ProofNodes(proof.Proof),
            ["balance"] = EthFormat.Quantity(proof.Account.Balance),
            ["codeHash"] = proof.Account.CodeHash.ToString(),
            ["nonce"] = EthFormat.Quantity(proof.Account.Nonce),
            ["storageHash"] = proof.Account.StorageRoot.ToString(),
            ["storageProof"] = storage,
        };
    }

    private static JsonArray ProofNodes(IReadOnlyList<byte[]> nodes) => new([.. nodes.Select(node => (JsonNode)JsonValue.Create(Hex.Encode(node))!)]);

    private JsonNode GetTransactionCount(RpcParams p)
    {
        Address address = GetAddress(p, 0);
        if (p.Has(1) && p[1].ValueKind == JsonValueKind.String && p[1].GetString() == "pending")
        {
            return EthFormat.Quantity(_pool.NextNonce(address));
        }

        return EthFormat.Quantity(Account(p, 0, 1).Nonce);
    }

    // ---- blocks and transactions

    /// <summary>The "full transactions" flag of eth_getBlockBy*: a boolean (absent or null: false), as geth requires.</summary>
    private static bool FullTransactions(RpcParams p) =>
        !p.Has(1) ? false
        : p[1].ValueKind is JsonValueKind.True or JsonValueKind.False ? p[1].GetBoolean()
        : throw RpcException.InvalidParams($"invalid argument 1: expected a boolean (full transactions), got {p[1].GetRawText()}");

    private static StoredBlock? TryResolve(Func<StoredBlock?> resolve)
    {
        try
        {
            return resolve();
        }
        catch (RpcException e) when (e.Code == RpcErrorCodes.Server)
        {
            return null; // a block that does not exist reads as null, as geth answers
        }
    }

    private static JsonNode? BlockOrNull(Func<StoredBlock?> resolve, bool full) =>
        TryResolve(resolve) is { } block ? EthFormat.Block(block, full) : null;

    private static JsonNode? CountOrNull(Func<StoredBlock?> resolve) =>
        TryResolve(resolve) is { } block ? EthFormat.Quantity((ulong)block.Block.Transactions.Length) : null;

    private static JsonNode? TransactionAt(StoredBlock? block, ulong index) =>
        block is not null && index < (ulong)block.Block.Transactions.Length
            ? EthFormat.Transaction(block.Block.Transactions[index], block.Senders[(int)index], block, (int)index)
            : null;

    private JsonNode? GetTransactionByHash(RpcParams p)
    {
        Hash256 hash = GetHash(p, 0);
        if (FindTransaction(hash, out StoredBlock block, out int index))
        {
            return EthFormat.Transaction(block.Block.Transactions[index], block.Senders[index], block, index);
        }

        return _pool.TryGet(hash, out PooledTransaction pooled) ? EthFormat.Transaction(pooled.Transaction, pooled.Sender, null, 0) : null;
    }

    // ---- submission

    /// <summary>
    /// A raw transaction in network form (a blob transaction with its sidecar), decoded: nothing here reads the pool
    /// or the chain, so a batch decodes its raw transactions first and recovers their senders in parallel.
    /// </summary>
    private DecodedSubmission DecodeRaw(byte[] raw)
    {
        if (!Transaction.TryDecodeNetwork(raw, out Transaction? tx, out BlobSidecar? sidecar, out string? error))
        {
            throw new RpcException($"rlp: {error}");
        }

        if (tx!.Type == TransactionType.Deposit)
        {
            throw new RpcException("deposit transactions (type 0x7e) are derived from L1 and cannot be submitted");
        }

        return new DecodedSubmission(tx, sidecar, _submitRaw);
    }

    /// <summary>
    /// Adds to the pool; when the producer mines on demand, answers only once the transaction is in an announced
    /// block (its receipt servable), was dropped (the node logs why; the hash is returned, as anvil does), or cannot be
    /// mined yet (queued behind a nonce gap).
    /// </summary>
    private ValueTask<JsonNode?> SubmitAsync(Transaction tx, BlobSidecar? sidecar, CancellationToken cancel) =>
        SubmitAsync(tx, sidecar, impersonated: null, cancel);

    /// <summary>
    /// eth_sendTransaction: signed with the dev key of <c>from</c>, or — when the node holds no key for it and the dev
    /// chain impersonates it — carrying the <see cref="ImpersonationSignature"/> and admitted with <c>from</c> as its
    /// sender, as anvil does.
    /// </summary>
    private ValueTask<JsonNode?> SendTransactionAsync(CallRequest request, CancellationToken cancel)
    {
        if (request.From is Address from && !_accounts.ContainsKey(from) && IsImpersonated is { } impersonated && impersonated(from))
        {
            RpcCaller.EnsureMayUseUnlockedAccounts();
            Transaction tx = ImpersonationSignature.Apply(FillTransaction(request, from), from);
            return SubmitAsync(tx, sidecar: null, impersonated: from, cancel);
        }

        return SubmitAsync(SignForDevAccount(request), sidecar: null, cancel);
    }

    /// <param name="impersonated">The sender of a transaction from an impersonated account (admitted unchecked, with no sidecar); null: recovered from the signature.</param>
    private async ValueTask<JsonNode?> SubmitAsync(Transaction tx, BlobSidecar? sidecar, Address? impersonated, CancellationToken cancel)
    {
        using PendingInclusion? inclusion = Producer?.ExpectInclusion(tx.Hash);
        string? error = impersonated is Address from ? _pool.AddImpersonated(tx, from) : _pool.Add(tx, sidecar);
        if (error is not null)
        {
            throw new RpcException(error);
        }

        if (inclusion is not null)
        {
            await inclusion.Submitted(cancel).ConfigureAwait(false);
        }

        return tx.Hash.ToString();
    }

    private DevAccount DevAccountFor(Address? from)
    {
        RpcCaller.EnsureMayUseUnlockedAccounts();
        Address address = from ?? (AccountList.Count > 0 ? AccountList[0] : Address.Zero);
        return _accounts.TryGetValue(address, out DevAccount? account) ? account : throw new RpcException($"unknown account {address}");
    }

    /// <summary>Fills in nonce, gas and fees like geth does for eth_sendTransaction and signs with the dev key.</summary>
    private Transaction SignForDevAccount(CallRequest request)
    {
        DevAccount account = DevAccountFor(request.From);
        Transaction tx = FillTransaction(request, account.Address);
        EcdsaSignature signature = Secp256k1.Sign(tx.SigningHash().Bytes, account.PrivateKey.Span);
        return tx.WithSignature(signature.R, signature.S, signature.RecoveryId);
    }

    /// <summary>The unsigned transaction of <paramref name="request"/> from <paramref name="from"/>, with nonce, gas and fees filled in.</summary>
    private Transaction FillTransaction(CallRequest request, Address from)
    {
        request = request with { From = from };
        bool legacy = request.GasPrice is not null && request.MaxFeePerGas is null || request.Type is Core.Transactions.TransactionType.Legacy;
        UInt256 tip = request.MaxPriorityFeePerGas ?? DefaultPriorityFee;
        UInt256 maxFee = request.MaxFeePerGas ?? (NextBaseFee() * 2 + tip);
        if (tip > maxFee)
        {
            tip = maxFee;
        }

        return new Transaction
        {
            Type = legacy ? Core.Transactions.TransactionType.Legacy : request.AccessList.Length > 0 && request.Type == Core.Transactions.TransactionType.AccessList
                ? Core.Transactions.TransactionType.AccessList : Core.Transactions.TransactionType.DynamicFee,
            ChainId = _chain.ChainId,
            Nonce = request.Nonce ?? _pool.NextNonce(from),
            GasPrice = legacy ? request.GasPrice ?? NextBaseFee() + DefaultPriorityFee : UInt256.Zero,
            MaxFeePerGas = legacy ? UInt256.Zero : maxFee,
            MaxPriorityFeePerGas = legacy ? UInt256.Zero : tip,
            GasLimit = request.Gas ?? EstimateGas(request, View.Head),
            To = request.To,
            Value = request.Value,
            Data = request.Data,
            AccessList = request.AccessList,
        };
    }

    private JsonNode PersonalSign(Address address, byte[] message)
    {
        DevAccount account = DevAccountFor(address);
        byte[] prefix = Encoding.ASCII.GetBytes($"\u0019Ethereum Signed Message:\n{message.Length}");
        return SignHash(account, Keccak256.Hash([.. prefix, .. message]));
    }

    /// <summary>eth_signTypedData_v4: the typed data is an object or (as MetaMask sends it) a JSON string of one.</summary>
    private JsonNode SignTypedData(RpcParams p)
    {
        DevAccount account = DevAccountFor(GetAddress(p, 0));
        JsonElement data = p[1];
        try
        {
            if (data.ValueKind == JsonValueKind.String)
            {
                using JsonDocument document = JsonDocument.Parse(data.GetString()!, new JsonDocumentOptions { MaxDepth = 64 });
                return SignHash(account, TypedData.SigningHash(document.RootElement));
            }

            return SignHash(account, TypedData.SigningHash(data));
        }
        catch (Exception e) when (e is FormatException or JsonException or OverflowException)
        {
            throw RpcException.InvalidParams($"invalid argument 1: {e.Message}");
        }
    }

    /// <summary>A 65-byte r ‖ s ‖ v signature (v = 27 + recovery id) of <paramref name="hash"/> with the account's key.</summary>
    private static JsonNode SignHash(DevAccount account, Hash256 hash)
    {
        EcdsaSignature signature = Secp256k1.Sign(hash.Bytes, account.PrivateKey.Span);
        var bytes = new byte[65];
        signature.R.WriteBigEndian(bytes.AsSpan(0, 32));
        signature.S.WriteBigEndian(bytes.AsSpan(32, 32));
        bytes[64] = (byte)(27 + signature.RecoveryId);
        return Hex.Encode(bytes);
    }

    // ---- execution

    private UInt256 NextBaseFee() => _chain.NextBaseFee(Store.Head.Header);

    /// <summary>The blob base fee of the block with <paramref name="header"/> (zero before Cancun).</summary>
    /// <summary>eth_getTransactionReceipt's answer for <paramref name="block"/>'s transaction <paramref name="index"/>.</summary>
    internal JsonObject Receipt(StoredBlock block, int index) => EthFormat.Receipt(block, index, _chain.Executor.Spec);

    private UInt256 BlobBaseFee(BlockHeader header) => EthFormat.BlobBaseFee(_chain.Executor.Spec, header);

    /// <summary>
    /// Runs a call on the state after <paramref name="block"/> in the context of the next block, without fees (as
    /// geth's eth_call with no gas price). A revert throws error code 3 with the revert data.
    /// </summary>
    public ReadOnlyMemory<byte> Call(CallRequest request, StoredBlock block, out TransactionResult result, ulong? gasOverride = null)
    {
        result = Execute(request, block, gasOverride ?? CallGas(request));
        if (!result.Success)
        {
            throw RevertError(result);
        }

        return result.Output;
    }

    /// <summary>Runs a call on the state after <paramref name="block"/> (see <see cref="Call"/>), traced when <paramref name="tracer"/> is given.</summary>
    internal TransactionResult Execute(CallRequest request, StoredBlock block, ulong gas, IEvmTracer? tracer = null, AccessRecorder? accesses = null) =>
        Execute(request, CallState(request, block), block.Header, gas, tracer, accesses);

    /// <summary>Runs a call on <paramref name="state"/> in the environment of <paramref name="header"/>'s block.</summary>
    internal TransactionResult Execute(CallRequest request, IStateReader state, BlockHeader header, ulong gas, IEvmTracer? tracer = null, AccessRecorder? accesses = null)
    {
        (Transaction tx, Address from) = CallTransaction(request, state, gas);
        // A call is bounded by the RPC gas cap, not by the block (IBlockExecutor.Call): geth and anvil give calls an
        // unlimited block gas pool, and GASLIMIT still reads the block's limit.
        Evm.BlockEnvironment environment = _chain.Executor.CallEnvironment(header, Store);
        TransactionResult result;
        try
        {
            result = _chain.Executor.Call(environment, state, tx, from, tracer, accesses);
        }
        catch (Evm.Precompiles.PrecompileUnavailableException e)
        {
            throw new RpcException($"this node cannot execute the call: {e.Message}");
        }

        if (!result.IsValid)
        {
            throw new RpcException(result.Rejection!.Reason == TransactionRejectionReason.InsufficientFunds
                ? "insufficient funds for gas * price + value"
                : result.Rejection.Message);
        }

        return result;
    }

    /// <summary>The state a call on <paramref name="block"/> runs on: the block's, with the request's overrides.</summary>
    internal IStateReader CallState(CallRequest request, StoredBlock block)
    {
        IStateReader state = StateAfter(block) ?? throw new RpcException($"state of block {block.Number} is not kept");
        return request.Overrides is null ? state : request.Overrides.Over(state);
    }

    /// <summary>A call as the fee-less transaction it runs as, with the sender's nonce in <paramref name="state"/>.</summary>
    internal (Transaction Transaction, Address Sender) CallTransaction(CallRequest request, IStateReader state, ulong gas)
    {
        Address from = request.From ?? Address.Zero;
        var tx = new Transaction
        {
            Type = request.AccessList.Length > 0 ? Core.Transactions.TransactionType.AccessList : Core.Transactions.TransactionType.Legacy,
            ChainId = _chain.ChainId,
            To = request.To,
            Nonce = state.TryGetAccount(from, out Account account) ? account.Nonce : 0,
            GasLimit = gas,
            Value = request.Value,
            Data = request.Data,
            GasPrice = UInt256.Zero,
            AccessList = request.AccessList,
        };
        return (tx, from);
    }

    /// <summary>
    /// The gas a call runs with (geth's CallDefaults): the request's gas, at most <see cref="RpcGasCap"/>; without
    /// one, the cap itself (or, with no cap, as much as a transaction can carry).
    /// </summary>
    public ulong CallGas(CallRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ulong unbounded = RpcGasCap == 0 ? long.MaxValue / 2 : RpcGasCap;
        return request.Gas is ulong gas ? Math.Min(gas, unbounded) : unbounded;
    }

    /// <summary>
    /// Binary search for the least gas limit with which the call succeeds (geth's eth_estimateGas): the search starts
    /// from the request's gas when it has at least 21,000, else from the block gas limit, capped by <see cref="RpcGasCap"/>.
    /// </summary>
    public ulong EstimateGas(CallRequest request, StoredBlock block)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(block);
        ulong cap = request.Gas is ulong requested && requested >= IntrinsicGas.Transaction ? requested : block.Header.GasLimit;
        if (RpcGasCap != 0)
        {
            cap = Math.Min(cap, RpcGasCap);
        }

        TransactionResult atCap = Execute(request, block, cap);
        if (!atCap.Success)
        {
            throw atCap.Error == Evm.EvmErrors.Message(Evm.EvmError.OutOfGas) ? new RpcException($"gas required exceeds allowance ({cap})") : RevertError(atCap);
        }

        ulong low = (ulong)atCap.GasUsed - 1;
        ulong high = cap;
        while (low + 1 < high)
        {
            ulong mid = low + ((high - low) / 2);
            bool succeeded;
            try
            {
                succeeded = Execute(request, block, mid).Success;
            }
            catch (RpcException)
            {
                succeeded = false; // below intrinsic gas
            }

            if (succeeded)
            {
                high = mid;
            }
            else
            {
                low = mid;
            }
        }

        return high;
    }

    /// <summary>
    /// geth's eth_createAccessList: runs the call recording every account and slot it warms, then again with that
    /// list (a different list can change gas and so the path taken) until the list stops growing. Addresses that are
    /// warm anyway — sender, recipient or created contract, precompiles, coinbase — are left out: listing them only
    /// costs gas. A failing call still returns its list, with the error.
    /// </summary>
    private JsonNode CreateAccessList(CallRequest request, StoredBlock block)
    {
        const int MaxRounds = 10;
        ulong gas = CallGas(request);
        Address from = request.From ?? Address.Zero;
        IStateReader state = _chain.StateAt(block.Number) ?? throw new RpcException($"state of block {block.Number} is not kept");
        Address to = request.To ?? Evm.ContractAddress.From(from, state.TryGetAccount(from, out Account sender) ? sender.Nonce : 0);
        Evm.Fork fork = _chain.Executor.CallEnvironment(block.Header, Store).Fork;
        var warmAnyway = new HashSet<Address>(_chain.Executor.Precompiles.For(fork).Addresses) { from, to, block.Header.Beneficiary };

        AccessListEntry[] list = [.. request.AccessList.Where(e => !warmAnyway.Contains(e.Address))];
        for (int round = 1; ; round++)
        {
            var recorder = new AccessRecorder();
            TransactionResult result = Execute(request with { AccessList = list }, block, gas, accesses: recorder);
            AccessListEntry[] recorded =
            [
                .. recorder.Accounts.Where(a => !warmAnyway.Contains(a))
                    .Select(a => new AccessListEntry(a, [.. recorder.SlotsOf(a).Select(k => new Hash256(k.ToBigEndian()))])),
            ];
            if (round < MaxRounds && !recorded.SequenceEqual(list))
            {
                list = recorded;
                continue;
            }

            var json = new JsonObject
            {
                ["accessList"] = new JsonArray([.. recorded.Select(e => (JsonNode)new JsonObject
                {
                    ["address"] = e.Address.ToString(),
                    ["storageKeys"] = new JsonArray([.. e.StorageKeys.Select(k => (JsonNode)JsonValue.Create(k.ToString()))]),
                })]),
                ["gasUsed"] = EthFormat.Quantity((ulong)result.GasUsed),
            };
            if (!result.Success)
            {
                json["error"] = RevertError(result).Message;
            }

            return json;
        }
    }

    internal static RpcException RevertError(TransactionResult result)
    {
        ReadOnlySpan<byte> data = result.Output.Span;
        if (result.Error is not null && data.IsEmpty && !IsRevert(result))
        {
            return new RpcException(result.Error);
        }

        string message = RevertReason(data) is string reason ? "execution reverted: " + reason : "execution reverted";
        return new RpcException(RpcErrorCodes.ExecutionReverted, message, Hex.Encode(data));
    }

    /// <summary>The message of Error(string) revert data (selector 0x08c379a0, then the ABI-encoded string); null for other data.</summary>
    internal static string? RevertReason(ReadOnlySpan<byte> data)
    {
        if (data.Length >= 68 && data[..4].SequenceEqual(new byte[] { 0x08, 0xc3, 0x79, 0xa0 }))
        {
            UInt256 length = UInt256.FromBigEndian(data.Slice(36, 32));
            if (length <= (ulong)(data.Length - 68))
            {
                return Encoding.UTF8.GetString(data.Slice(68, (int)(ulong)length));
            }
        }

        return null;
    }

    private static bool IsRevert(TransactionResult result) =>
        result.Error is null || result.Error.Contains("revert", StringComparison.OrdinalIgnoreCase);

    // ---- fees

    /// <summary>eth_feeHistory's percentiles: numbers in 0..100, each at least the one before (geth's checks).</summary>
    private static double[] RewardPercentiles(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw RpcException.InvalidParams("invalid argument 2: expected an array of reward percentiles");
        }

        var percentiles = new List<double>();
        foreach (JsonElement item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetDouble(out double value) || value is < 0 or > 100
                || (percentiles.Count > 0 && value < percentiles[^1]))
            {
                throw RpcException.InvalidParams($"invalid reward percentile: {item.GetRawText()} (numbers from 0 to 100, increasing)");
            }

            percentiles.Add(value);
        }

        return [.. percentiles];
    }

    private JsonNode FeeHistory(RpcParams p)
    {
        ulong count = Math.Min(GetNumber(p, 0), 1024);
        StoredBlock newest = BlockTag.Resolve(Store, p, 1);
        double[] percentiles = p.Has(2) ? RewardPercentiles(p[2]) : [];
        ulong oldest = newest.Number + 1 >= count ? newest.Number + 1 - count : 0;
        var baseFees = new JsonArray();
        var ratios = new JsonArray();
        var blobBaseFees = new JsonArray();
        var blobRatios = new JsonArray();
        var rewards = new JsonArray();
        for (ulong n = oldest; n <= newest.Number && count > 0; n++)
        {
            StoredBlock block = Store.GetByNumber(n)!;
            UInt256 baseFee = block.Header.BaseFeePerGas ?? UInt256.Zero;
            baseFees.Add(EthFormat.Quantity(baseFee));
            ratios.Add(block.Header.GasLimit == 0 ? 0 : (double)block.Header.GasUsed / block.Header.GasLimit);
            blobBaseFees.Add(EthFormat.Quantity(BlobBaseFee(block.Header)));
            ulong maxBlobGas = _chain.Executor.Spec.BlobScheduleAt(block.Number, block.Header.Timestamp)?.MaxBlobGasPerBlock ?? 0;
            blobRatios.Add(maxBlobGas == 0 ? 0 : (double)(block.Header.BlobGasUsed ?? 0) / maxBlobGas);
            if (percentiles.Length > 0)
            {
                rewards.Add(Rewards(block, baseFee, percentiles));
            }
        }

        baseFees.Add(EthFormat.Quantity(_chain.NextBaseFee(newest.Header)));
        Execution.Specs.ChainSpec spec = _chain.Executor.Spec;
        ulong nextNumber = newest.Number + 1;
        ulong nextTimestamp = newest.Header.Timestamp + 1;
        blobBaseFees.Add(EthFormat.Quantity(spec.BlobScheduleAt(nextNumber, nextTimestamp) is { } nextBlobs
            ? BlobGas.BaseFeePerBlobGas(spec.NextExcessBlobGas(newest.Header, nextNumber, nextTimestamp)!.Value, nextBlobs)
            : UInt256.Zero));
        var result = new JsonObject
        {
            ["oldestBlock"] = EthFormat.Quantity(oldest),
            ["baseFeePerGas"] = baseFees,
            ["gasUsedRatio"] = ratios,
            ["baseFeePerBlobGas"] = blobBaseFees,
            ["blobGasUsedRatio"] = blobRatios,
        };
        if (percentiles.Length > 0)
        {
            result["reward"] = rewards;
        }

        return result;
    }

    /// <summary>Effective tips at the given percentiles of gas used in the block (geth's method).</summary>
    private static JsonArray Rewards(StoredBlock block, UInt256 baseFee, double[] percentiles)
    {
        var tips = Enumerable.Range(0, block.Block.Transactions.Length)
            .Select(i => (Tip: block.Block.Transactions[i].EffectiveGasPrice(baseFee) - baseFee, Gas: block.GasUsedBy(i)))
            .OrderBy(t => t.Tip)
            .ToList();
        var rewards = new JsonArray();
        foreach (double percentile in percentiles)
        {
            if (tips.Count == 0)
            {
                rewards.Add("0x0");
                continue;
            }

            double threshold = block.Header.GasUsed * percentile / 100;
            ulong cumulative = 0;
            UInt256 reward = tips[^1].Tip;
            foreach ((UInt256 tip, ulong gas) in tips)
            {
                cumulative += gas;
                if (cumulative >= threshold)
                {
                    reward = tip;
                    break;
                }
            }

            rewards.Add(EthFormat.Quantity(reward));
        }

        return rewards;
    }

    private static JsonObject PoolGroup(SortedDictionary<Address, List<PooledTransaction>> group)
    {
        var result = new JsonObject();
        foreach ((Address sender, List<PooledTransaction> transactions) in group)
        {
            var byNonce = new JsonObject();
            foreach (PooledTransaction pooled in transactions)
            {
                byNonce[pooled.Transaction.Nonce.ToString(System.Globalization.CultureInfo.InvariantCulture)] = EthFormat.Transaction(pooled.Transaction, sender, null, 0);
            }

            result[sender.ToString()] = byNonce;
        }

        return result;
    }

    // ---- parameters

    internal static Address GetAddress(RpcParams p, int index) =>
        Address.TryParse(p.GetString(index), out Address address) ? address : throw RpcException.InvalidParams($"invalid argument {index}: not an address");

    internal static Hash256 GetHash(RpcParams p, int index) =>
        Hash256.TryParse(p.GetString(index), out Hash256 hash) ? hash : throw RpcException.InvalidParams($"invalid argument {index}: not a 32-byte hash");

    internal static UInt256 GetUInt256(RpcParams p, int index) =>
        UInt256.TryParse(p.GetString(index), out UInt256 value) ? value : throw RpcException.InvalidParams($"invalid argument {index}: not a 256-bit quantity");

    /// <summary>A number given as a hex quantity or a JSON number.</summary>
    internal static ulong GetNumber(RpcParams p, int index) =>
        p[index].ValueKind == JsonValueKind.Number && p[index].TryGetUInt64(out ulong n) ? n : p.GetQuantity(index);
}
