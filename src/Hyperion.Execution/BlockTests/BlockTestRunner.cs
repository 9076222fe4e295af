using System.Text.Json;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Crypto;
using Hyperion.Core.Rlp;
using Hyperion.Core.Transactions;
using Hyperion.Evm;
using Hyperion.Execution.StateTests;
using Hyperion.Execution.Transactions;
using Hyperion.State.World;
using Hyperion.Trie;

namespace Hyperion.Execution.BlockTests;

/// <summary>The result of one blockchain test (or of a file that could not be read).</summary>
public sealed record BlockTestResult(string File, string Test, string Network, StateTestStatus Status, string? Detail);

/// <summary>
/// Runs Ethereum BlockchainTests (Cancun): imports each block onto its parent's state with header validation,
/// the EIP-4788 beacon-roots system call, transactions through the <see cref="TransactionProcessor"/> and EIP-4895
/// withdrawals; blocks marked <c>expectException</c> must be rejected. The last imported block must be
/// <c>lastblockhash</c> and its state must match <c>postState</c> (or <c>postStateHash</c>).
/// </summary>
public static class BlockTestRunner
{
    private static readonly Address BeaconRootsAddress = Address.Parse("0x000f3df6d732807ef1319fb7b8bb8522d0beac02");
    private static readonly Address SystemAddress = Address.Parse("0xfffffffffffffffffffffffffffffffffffffffe");
    private const long SystemCallGas = 30_000_000;
    private const ulong ChainId = 1;

    public static IReadOnlyList<BlockTestResult> RunFile(string path, Fork? onlyFork = null, System.Text.RegularExpressions.Regex? nameFilter = null)
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
                bool supported = Specs.FixtureNetworks.TryParse(network, out Specs.ChainSpec spec) && spec.TryForkAt(0, 0, out fork);
                if (onlyFork is { } only && (!supported || fork != only))
                {
                    continue;
                }

                if (!supported || fork != Fork.Cancun)
                {
                    results.Add(new BlockTestResult(path, test.Name, network, StateTestStatus.Skipped, "only Cancun block tests are supported"));
                    continue;
                }

                string? failure;
                try
                {
                    failure = RunTest(test.Value);
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

    private static string? RunTest(JsonElement test)
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
            string? error = TryImport(entry.GetProperty("rlp").GetString()!, chain, out ChainBlock? imported);
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

    /// <summary>Decodes, validates and executes a block; the error when it is invalid.</summary>
    private static string? TryImport(string rlpHex, Dictionary<Hash256, ChainBlock> chain, out ChainBlock? imported)
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

        string? headerError = ValidateHeader(header, parent.Header) ?? ValidateBody(block);
        if (headerError is not null)
        {
            return headerError;
        }

        InMemoryStateReader state = parent.State.Clone();
        var world = new WorldState(state);
        BlockEnvironment environment = BlockEnvironment.CancunFromHeader(header, ChainId, new AncestorHashes(chain, parent.Header));

        // EIP-4788: store the parent beacon block root through the system contract, outside any transaction's gas.
        if (world.GetCode(BeaconRootsAddress).Length > 0)
        {
            var systemTx = new TransactionEnvironment { Origin = SystemAddress, GasPrice = UInt256.Zero };
            new MetisVm(world, environment, systemTx, Evm.Precompiles.PrecompileTable.ForFork(Fork.Cancun))
                .Call(SystemAddress, BeaconRootsAddress, UInt256.Zero, header.ParentBeaconBlockRoot!.Value.ToArray(), SystemCallGas);
            world.FinishTransaction(deleteTouchedEmpty: true);
        }

        var processor = new TransactionProcessor(environment);
        var receipts = new List<byte[]>(block.Transactions.Length);
        var bloom = new Bloom();
        ulong gasUsed = 0;
        ulong blobGasUsed = 0;
        var rules = TransactionRules.Cancun(ChainId);
        for (int i = 0; i < block.Transactions.Length; i++)
        {
            Transaction tx = block.Transactions[i];
            if (TransactionValidator.Validate(tx, rules) is { } invalid)
            {
                return $"transaction {i}: {invalid}";
            }

            if (!tx.TryRecoverSender(out Address sender))
            {
                return $"transaction {i}: the sender cannot be recovered";
            }

            blobGasUsed += tx.BlobGas;
            if (blobGasUsed > BlobSchedule.Cancun.MaxBlobGasPerBlock)
            {
                return $"transaction {i}: blob gas {blobGasUsed} exceeds the block limit {BlobSchedule.Cancun.MaxBlobGasPerBlock}";
            }

            TransactionResult result = processor.Execute(world, tx, sender, blockGasAvailable: header.GasLimit - gasUsed);
            if (result.Rejection is { } rejection)
            {
                return $"transaction {i}: {rejection}";
            }

            gasUsed += (ulong)result.GasUsed;
            var receipt = new Receipt
            {
                Type = tx.Type,
                Success = result.Success,
                CumulativeGasUsed = gasUsed,
                Bloom = Receipt.BloomOf(result.Logs),
                Logs = result.Logs,
            };
            bloom.Accumulate(receipt.Bloom);
            receipts.Add(receipt.EncodeEnvelope());
        }

        foreach (Withdrawal withdrawal in block.Body.Withdrawals!)
        {
            world.AddBalance(withdrawal.Address, withdrawal.AmountWei);
        }

        world.FinishTransaction(deleteTouchedEmpty: true);

        if (gasUsed != header.GasUsed)
        {
            return $"gas used: header {header.GasUsed}, executed {gasUsed}";
        }

        if (blobGasUsed != header.BlobGasUsed)
        {
            return $"blob gas used: header {header.BlobGasUsed}, executed {blobGasUsed}";
        }

        Hash256 receiptsRoot = TrieRoot.OfList(receipts);
        if (receiptsRoot != header.ReceiptsRoot)
        {
            return $"receipts root: header {header.ReceiptsRoot}, executed {receiptsRoot}";
        }

        if (!bloom.Equals(header.LogsBloom))
        {
            return "logs bloom differs from the header's";
        }

        state.Apply(world.CollectChanges());
        Hash256 stateRoot = state.ComputeStateRoot();
        if (stateRoot != header.StateRoot)
        {
            return $"state root: header {header.StateRoot}, executed {stateRoot}";
        }

        imported = new ChainBlock(header, state);
        return null;
    }

    /// <summary>The Cancun (post-merge) header rules against the parent.</summary>
    private static string? ValidateHeader(BlockHeader header, BlockHeader parent)
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

        UInt256 baseFee = BaseFee.Next(parent);
        if (header.BaseFeePerGas != baseFee)
        {
            return $"base fee {header.BaseFeePerGas} differs from the expected {baseFee}";
        }

        if (header.BlobGasUsed is null || header.ExcessBlobGas is null || header.ParentBeaconBlockRoot is null || header.WithdrawalsRoot is null)
        {
            return "a Cancun header needs blob gas used, excess blob gas, the parent beacon root and the withdrawals root";
        }

        if (header.RequestsHash is not null)
        {
            return "a Cancun header has no requests hash";
        }

        ulong excess = BlobGas.NextExcessBlobGas(parent.ExcessBlobGas ?? 0, parent.BlobGasUsed ?? 0, BlobSchedule.Cancun);
        if (header.ExcessBlobGas != excess)
        {
            return $"excess blob gas {header.ExcessBlobGas} differs from the expected {excess}";
        }

        return header.BlobGasUsed > BlobSchedule.Cancun.MaxBlobGasPerBlock || header.BlobGasUsed % BlobGas.GasPerBlob != 0
            ? $"blob gas used {header.BlobGasUsed} is not a valid amount"
            : null;
    }

    private static string? ValidateBody(Block block)
    {
        if (block.Body.Ommers.Length != 0)
        {
            return "a post-merge block has no ommers";
        }

        if (block.Body.Withdrawals is not { } withdrawals)
        {
            return "a Shanghai block has a withdrawals list";
        }

        Hash256 transactionsRoot = TrieRoot.OfList([.. block.Transactions.Select(t => t.Envelope.ToArray())]);
        if (transactionsRoot != block.Header.TransactionsRoot)
        {
            return $"transactions root: header {block.Header.TransactionsRoot}, body {transactionsRoot}";
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
