using System.Text.Json;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Crypto;
using Hyperion.Core.Rlp;
using Hyperion.Core.Transactions;
using Hyperion.Evm;
using Hyperion.Execution.Blocks;
using Hyperion.Execution.Specs;
using Hyperion.Execution.StateTests;
using Hyperion.State.World;
using Hyperion.Trie;

namespace Hyperion.Execution.BlockTests;

/// <summary>The result of one blockchain test (or of a file that could not be read).</summary>
public sealed record BlockTestResult(string File, string Test, string Network, StateTestStatus Status, string? Detail);

/// <summary>
/// Runs Ethereum BlockchainTests of post-merge networks: validates each block's header against its parent, then
/// imports it through the same <see cref="IBlockExecutor"/> as the chain (system calls, transactions, withdrawals);
/// blocks marked <c>expectException</c> must be rejected. The last imported block must be <c>lastblockhash</c> and
/// its state must match <c>postState</c> (or <c>postStateHash</c>).
/// </summary>
public static class BlockTestRunner
{
    /// <param name="executor">The executor to import with, for a test's chain spec (default: the sequential <see cref="BlockExecutor"/>).</param>
    public static IReadOnlyList<BlockTestResult> RunFile(string path, Fork? onlyFork = null, System.Text.RegularExpressions.Regex? nameFilter = null, Func<ChainSpec, IBlockExecutor>? executor = null)
    {
        JsonDocument document;
        try
        {
            using FileStream stream = File.OpenRead(path);
            document = JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return [new BlockTestResult(path, "(file)", "-", StateTestStatus.Failed, e.Message)];
        }

        using (document)
        {
            var results = new List<BlockTestResult>();
            foreach (JsonProperty test in document.RootElement.EnumerateObject())
            {
                if (nameFilter is not null && !nameFilter.IsMatch(test.Name))
                {
                    continue;
                }

                string network = test.Value.TryGetProperty("network", out JsonElement n) ? n.GetString() ?? "?" : "?";
                Fork fork = default;
                bool supported = FixtureNetworks.TryParse(network, out ChainSpec spec) && spec.TryForkAt(0, 0, out fork);
                if (onlyFork is { } only && (!supported || fork != only))
                {
                    continue;
                }

                // Header validation follows the post-merge rules only (no proof of work).
                if (!supported || !spec.IsActive(Hardfork.Paris, 0, 0))
                {
                    results.Add(new BlockTestResult(path, test.Name, network, StateTestStatus.Skipped, "only post-merge networks MetisVM implements are supported"));
                    continue;
                }

                string? failure;
                try
                {
                    failure = RunTest(executor?.Invoke(spec) ?? new BlockExecutor(spec), test.Value);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    failure = $"{e.GetType().Name}: {e.Message}";
                }

                results.Add(new BlockTestResult(path, test.Name, network, failure is null ? StateTestStatus.Passed : StateTestStatus.Failed, failure));
            }

            return results;
        }
    }

    private sealed record ChainBlock(BlockHeader Header, InMemoryStateReader State);

    private static string? RunTest(IBlockExecutor executor, JsonElement test)
    {
        InMemoryStateReader pre = ReadAccounts(test.GetProperty("pre"));
        Block genesis = Block.Decode(Hex.Decode(test.GetProperty("genesisRLP").GetString()!));
        Hash256 preRoot = pre.ComputeStateRoot();
        if (genesis.Header.StateRoot != preRoot)
        {
            return $"genesis state root {genesis.Header.StateRoot} differs from the pre-state root {preRoot}";
        }

        var chain = new Dictionary<Hash256, ChainBlock> { [genesis.Hash] = new ChainBlock(genesis.Header, pre) };
        ChainBlock head = chain[genesis.Hash];
        int index = 0;
        foreach (JsonElement entry in test.GetProperty("blocks").EnumerateArray())
        {
            string? expected = entry.TryGetProperty("expectException", out JsonElement e) ? e.GetString() : null;
            string? error = TryImport(executor, entry.GetProperty("rlp").GetString()!, chain, out ChainBlock? imported);
            if (error is null && expected is not null)
            {
                return $"block {index}: expected exception {expected}, but the block was imported";
            }

            if (error is not null && expected is null)
            {
                return $"block {index}: {error}";
            }

            if (imported is not null)
            {
                chain[imported.Header.Hash] = imported;
                head = imported;
            }

            index++;
        }

        Hash256 lastBlockHash = Hash256.Parse(test.GetProperty("lastblockhash").GetString()!);
        if (head.Header.Hash != lastBlockHash)
        {
            return $"last block hash: expected {lastBlockHash}, got {head.Header.Hash}";
        }

        Hash256 expectedRoot = test.TryGetProperty("postStateHash", out JsonElement hash)
            ? Hash256.Parse(hash.GetString()!)
            : ReadAccounts(test.GetProperty("postState")).ComputeStateRoot();
        Hash256 root = head.State.ComputeStateRoot();
        return root == expectedRoot ? null : $"post-state root: expected {expectedRoot}, got {root}";
    }

    /// <summary>Decodes, validates and executes a block through the <see cref="IBlockExecutor"/>; the error when it is invalid.</summary>
    private static string? TryImport(IBlockExecutor executor, string rlpHex, Dictionary<Hash256, ChainBlock> chain, out ChainBlock? imported)
    {
        imported = null;
        Block block;
        try
        {
            block = Block.Decode(Hex.Decode(rlpHex));
        }
        catch (Exception e) when (e is RlpException or FormatException or ArgumentException)
        {
            return $"undecodable block: {e.Message}";
        }

        BlockHeader header = block.Header;
        if (!chain.TryGetValue(header.ParentHash, out ChainBlock? parent))
        {
            return $"unknown parent {header.ParentHash}";
        }

        ChainSpec spec = executor.Spec;
        string? headerError = ValidateHeader(spec, header, parent.Header) ?? ValidateBody(spec, block);
        if (headerError is not null)
        {
            return headerError;
        }

        TransactionRules rules = spec.TransactionRulesAt(header.Number, header.Timestamp);
        var senders = new Address[block.Transactions.Length];
        SenderRecovery.Prefetch(block.Transactions);
        for (int i = 0; i < block.Transactions.Length; i++)
        {
            Transaction tx = block.Transactions[i];
            if (TransactionValidator.Validate(tx, rules) is { } invalid)
            {
                return $"transaction {i}: {invalid}";
            }

            if (!tx.TryRecoverSender(out senders[i]))
            {
                return $"transaction {i}: the sender cannot be recovered";
            }
        }

        BlockExecution execution;
        try
        {
            execution = executor.Execute(BlockInput.Of(block, senders, new AncestorHashes(chain, parent.Header)), parent.State, BlockExecutionMode.Import);
        }
        catch (InvalidBlockException e)
        {
            return e.Message;
        }

        if (execution.Mismatch(header) is { } mismatch)
        {
            return mismatch;
        }

        InMemoryStateReader state = parent.State.Clone();
        state.Apply(execution.Changes);
        Hash256 stateRoot = state.ComputeStateRoot();
        if (stateRoot != header.StateRoot)
        {
            return $"state root: header {header.StateRoot}, executed {stateRoot}";
        }

        imported = new ChainBlock(header, state);
        return null;
    }

    /// <summary>The post-merge header rules against the parent, with each fork's fields as the spec schedules them.</summary>
    private static string? ValidateHeader(ChainSpec spec, BlockHeader header, BlockHeader parent)
    {
        if (header.Number != parent.Number + 1)
        {
            return $"number {header.Number} does not follow the parent's {parent.Number}";
        }

        if (header.Timestamp <= parent.Timestamp)
        {
            return $"timestamp {header.Timestamp} is not after the parent's {parent.Timestamp}";
        }

        ulong limitDelta = parent.GasLimit / 1024;
        ulong difference = header.GasLimit > parent.GasLimit ? header.GasLimit - parent.GasLimit : parent.GasLimit - header.GasLimit;
        if (difference >= limitDelta || header.GasLimit < 5000 || header.GasLimit > long.MaxValue)
        {
            return $"gas limit {header.GasLimit} changes too much from the parent's {parent.GasLimit}";
        }

        if (header.GasUsed > header.GasLimit)
        {
            return $"gas used {header.GasUsed} exceeds the gas limit {header.GasLimit}";
        }

        if (header.ExtraData.Length > 32)
        {
            return $"extra data of {header.ExtraData.Length} bytes exceeds 32";
        }

        if (!header.Difficulty.IsZero || header.Nonce != 0 || header.OmmersHash != Keccak256.OfEmptyList)
        {
            return "a post-merge header must have zero difficulty and nonce and no ommers";
        }

        UInt256? baseFee = spec.NextBaseFee(parent, header.Number, header.Timestamp);
        if (header.BaseFeePerGas != baseFee)
        {
            return $"base fee {header.BaseFeePerGas} differs from the expected {baseFee}";
        }

        if ((header.WithdrawalsRoot is not null) != spec.IsActive(Hardfork.Shanghai, header.Number, header.Timestamp))
        {
            return "the withdrawals root must be present exactly from Shanghai";
        }

        if (header.RequestsHash is not null)
        {
            return "a requests hash belongs to Prague, which this node does not implement";
        }

        BlobSchedule? blobs = spec.BlobScheduleAt(header.Number, header.Timestamp);
        if (blobs is null)
        {
            return header.BlobGasUsed is null && header.ExcessBlobGas is null && header.ParentBeaconBlockRoot is null
                ? null
                : "blob gas fields and the parent beacon root belong to Cancun";
        }

        if (header.BlobGasUsed is null || header.ExcessBlobGas is null || header.ParentBeaconBlockRoot is null)
        {
            return "a Cancun header needs blob gas used, excess blob gas and the parent beacon root";
        }

        ulong? excess = spec.NextExcessBlobGas(parent, header.Number, header.Timestamp);
        if (header.ExcessBlobGas != excess)
        {
            return $"excess blob gas {header.ExcessBlobGas} differs from the expected {excess}";
        }

        return header.BlobGasUsed > blobs.MaxBlobGasPerBlock || header.BlobGasUsed % BlobGas.GasPerBlob != 0
            ? $"blob gas used {header.BlobGasUsed} is not a valid amount"
            : null;
    }

    private static string? ValidateBody(ChainSpec spec, Block block)
    {
        if (block.Body.Ommers.Length != 0)
        {
            return "a post-merge block has no ommers";
        }

        Hash256 transactionsRoot = TrieRoot.OfList([.. block.Transactions.Select(t => t.Envelope.ToArray())]);
        if (transactionsRoot != block.Header.TransactionsRoot)
        {
            return $"transactions root: header {block.Header.TransactionsRoot}, body {transactionsRoot}";
        }

        bool shanghai = spec.IsActive(Hardfork.Shanghai, block.Header.Number, block.Header.Timestamp);
        if (block.Body.Withdrawals is not { } withdrawals)
        {
            return shanghai ? "a Shanghai block has a withdrawals list" : null;
        }

        if (!shanghai)
        {
            return "a block before Shanghai has no withdrawals list";
        }

        Hash256 withdrawalsRoot = TrieRoot.OfList([.. withdrawals.Select(w => w.Encode())]);
        return withdrawalsRoot != block.Header.WithdrawalsRoot
            ? $"withdrawals root: header {block.Header.WithdrawalsRoot}, body {withdrawalsRoot}"
            : null;
    }

    /// <summary>Accounts as the fixtures write them ({address: {balance, nonce, code, storage}}).</summary>
    private static InMemoryStateReader ReadAccounts(JsonElement accounts)
    {
        var reader = new InMemoryStateReader();
        foreach (JsonProperty account in accounts.EnumerateObject())
        {
            var address = Address.Parse(account.Name);
            reader.SetAccount(
                address,
                QuantityUInt64(account.Value.GetProperty("nonce")),
                UInt256.FromBigEndian(StateTestParser.ParseQuantity(account.Value.GetProperty("balance").GetString()!)),
                Hex.Decode(account.Value.GetProperty("code").GetString()!));
            if (account.Value.TryGetProperty("storage", out JsonElement storage))
            {
                foreach (JsonProperty slot in storage.EnumerateObject())
                {
                    reader.SetStorage(
                        address,
                        UInt256.FromBigEndian(StateTestParser.ParseQuantity(slot.Name)),
                        UInt256.FromBigEndian(StateTestParser.ParseQuantity(slot.Value.GetString()!)));
                }
            }
        }

        return reader;
    }

    private static ulong QuantityUInt64(JsonElement element)
    {
        UInt256 value = UInt256.FromBigEndian(StateTestParser.ParseQuantity(element.GetString()!));
        return value.IsUInt64 ? (ulong)value : throw new FormatException($"{element.GetString()} does not fit in 64 bits");
    }

    /// <summary>BLOCKHASH over the imported chain: walks back from the parent (at most 256 blocks).</summary>
    private sealed class AncestorHashes(Dictionary<Hash256, ChainBlock> chain, BlockHeader parent) : IBlockHashProvider
    {
        public Hash256 GetBlockHash(ulong number)
        {
            BlockHeader? header = parent;
            while (header is not null && header.Number > number)
            {
                header = chain.TryGetValue(header.ParentHash, out ChainBlock? p) ? p.Header : null;
            }

            return header is not null && header.Number == number ? header.Hash : Hash256.Zero;
        }
    }
}
