using System.Collections.Concurrent;
using Hyperion.Chain;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Core.Transactions;
using Hyperion.Core.Wallet;
using Hyperion.Evm;
using Hyperion.Execution.Blocks;
using Hyperion.Rollup.Derivation;

namespace Hyperion.Rollup.Node.Tests;

/// <summary>
/// Verifiers that execute derived blocks whole through Block-STM (1, 2 and 4 threads, every block however small)
/// derive the chain the sequencer built one transaction at a time, and the sequential verifier derives: the same
/// block hashes (state roots, receipts, gas). The block under test has deposits and user transactions that conflict
/// (nonce chains of one sender, one token's balances, the fee vaults every transaction pays); a batch of it with a
/// transaction that cannot be included, or with one repeated, is dropped by every verifier with the same reason.
/// </summary>
public sealed class BlockStmDerivationTests
{
    private static readonly Address Recipient = Address.Parse("0x00000000000000000000000000000000000000aa");
    private static readonly IReadOnlyList<DevAccount> Accounts = DevAccounts.Derive(DevAccounts.DefaultMnemonic, 10);
    private static readonly DevAccount[] Senders = [.. Accounts.Skip(4)];
    private static readonly DevAccount Unfunded = Accounts[3]; // never used on L2 by RollupTestNet
    private const ulong Ether = 1_000_000_000_000_000_000UL;

    // transfer(to, amount) on slots keyed by holder: reverts when the caller's balance is short; LOG1(to).
    private static readonly byte[] TokenCode =
    [
        0x33, 0x54, 0x80, 0x60, 0x20, 0x35, 0x11, 0x60, 0x21, 0x57, 0x60, 0x20, 0x35, 0x90, 0x03, 0x33, 0x55,
        0x5f, 0x35, 0x54, 0x60, 0x20, 0x35, 0x01, 0x5f, 0x35, 0x55, 0x5f, 0x35, 0x5f, 0x5f, 0xa1, 0x00,
        0x5b, 0x5f, 0x5f, 0xfd,
    ];

    // sstore(caller, 1,000,000); return the token's code.
    private static readonly byte[] TokenInitCode =
    [
        0x62, 0x0f, 0x42, 0x40, 0x33, 0x55, 0x60, (byte)TokenCode.Length, 0x80, 0x60, 15, 0x5f, 0x39, 0x5f, 0xf3, .. TokenCode,
    ];

    [Fact]
    public async Task Verifiers_on_Block_STM_derive_the_sequencers_chain_and_drop_a_bad_batch_alike()
    {
        await using var net = new RollupTestNet();
        RollupNode sequencer = net.Start(sequencer: true);
        RollupNode[] verifiers = [net.Start(sequencer: false), .. new[] { 1, 2, 4 }.Select(threads => net.Start(sequencer: false, execThreads: threads))];

        StoredBlock busy = await SequenceBusyBlockAsync(net, sequencer);
        ulong head = sequencer.Engine.Unsafe.Number;

        // Everything before the busy block derives; its batch with a transaction that cannot be included is dropped.
        List<SingularBatch> batches = RollupTestNet.Batches(sequencer, 1, head);
        int busyIndex = (int)busy.Number - 1;
        await net.MineL1Async(null, net.Channel(batches[..busyIndex], BatchMode.Calldata).Transactions);
        await DeriveAllAsync(verifiers);
        SingularBatch good = batches[busyIndex];
        Transaction unfunded = Sign(Unfunded, 0, Recipient, 1, [], 21_000);
        List<ReadOnlyMemory<byte>> forgedTransactions = [.. good.Transactions];
        forgedTransactions.Insert(forgedTransactions.Count / 2, unfunded.Envelope);
        SingularBatch forged = new(good.ParentHash, good.EpochNumber, good.EpochHash, good.Timestamp, forgedTransactions);
        await net.MineL1Async(null, net.Channel([forged], BatchMode.Calldata).Transactions);
        await DeriveAllAsync(verifiers);
        string[] dropped = [.. net.Log.Where(m => m.Contains("dropping the batch", StringComparison.Ordinal))];
        Assert.Equal(verifiers.Length, dropped.Length);
        Assert.All(dropped, m => Assert.Equal(dropped[0], m));
        Assert.True(dropped[0].Contains($"transaction {unfunded.Hash} cannot be included: balance 0 of ", StringComparison.Ordinal), dropped[0]);
        Assert.All(verifiers, v => Assert.Equal(busy.Number - 1, v.Engine.Safe.Number));

        // A repeated transaction is refused as the open block refuses it (a block executed whole does not check).
        SingularBatch repeated = new(good.ParentHash, good.EpochNumber, good.EpochHash, good.Timestamp, [.. good.Transactions, good.Transactions[0]]);
        await net.MineL1Async(null, net.Channel([repeated], BatchMode.Calldata).Transactions);
        await DeriveAllAsync(verifiers);
        string[] refused = [.. net.Log.Where(m => m.Contains("dropping the batch", StringComparison.Ordinal)).Skip(dropped.Length)];
        Assert.Equal(verifiers.Length, refused.Length);
        Assert.All(refused, m => Assert.EndsWith($"transaction {Transaction.Decode(good.Transactions[0]).Hash} cannot be included: it is repeated in the block", m, StringComparison.Ordinal));
        Assert.All(verifiers, v => Assert.Equal(busy.Number - 1, v.Engine.Safe.Number));

        await net.MineL1Async(null, net.Channel(batches[busyIndex..], BatchMode.Calldata).Transactions);
        await DeriveAllAsync(verifiers);
        foreach (RollupNode verifier in verifiers)
        {
            Assert.Equal(head, verifier.Engine.Safe.Number);
            for (ulong n = 0; n <= head; n++)
            {
                Assert.Equal(sequencer.Node.Chain.Chain.Store.GetByNumber(n)!.Hash, verifier.Node.Chain.Chain.Store.GetByNumber(n)?.Hash);
            }
        }
    }

    /// <summary>
    /// The sequencer's chain up to a busy block: deposits fund the senders, the user deploys the token; then one block
    /// of deposits of a new epoch, the user's token transfers to every sender while each sender moves the token on (the
    /// first sender more than it has: a revert), pays the next sender and the common recipient (its own nonce chain).
    /// </summary>
    private static async Task<StoredBlock> SequenceBusyBlockAsync(RollupTestNet net, RollupNode sequencer)
    {
        // Deposits fund the senders; the user deploys the token.
        await net.MineL1Async(sequencer, logs: [.. Senders.Select(s => RollupTestNet.Deposit(s.Address, Ether))]);
        Address token = ContractAddress.From(RollupTestNet.User.Address, 0);
        Add(sequencer, Sign(RollupTestNet.User, 0, null, 0, TokenInitCode, 200_000));
        await net.MineL1Async(sequencer);

        ulong userNonce = 1;
        foreach (DevAccount sender in Senders)
        {
            Add(sequencer, Sign(RollupTestNet.User, userNonce++, token, 0, TokenTransfer(sender.Address, 1000), 100_000));
        }

        for (int i = 0; i < Senders.Length; i++)
        {
            Add(sequencer, Sign(Senders[i], 0, Senders[(i + 1) % Senders.Length].Address, 1, [], 21_000));
            Add(sequencer, Sign(Senders[i], 1, token, 0, TokenTransfer(Senders[(i + 2) % Senders.Length].Address, i == 0 ? 5000UL : 10UL), 100_000));
            Add(sequencer, Sign(Senders[i], 2, Recipient, 2, [], 21_000));
        }

        await net.MineL1Async(sequencer, logs: [RollupTestNet.Deposit(Recipient, 5 * Ether), RollupTestNet.Deposit(Senders[0].Address, Ether)]);
        await net.MineL1Async(sequencer);
        StoredBlock busy = Enumerable.Range(1, (int)sequencer.Engine.Unsafe.Number).Select(n => sequencer.Node.Chain.Chain.Store.GetByNumber((ulong)n)!).Single(b => b.Block.Transactions.Length > 20);
        Assert.Equal(3, busy.Block.Transactions.Count(t => t.Type == TransactionType.Deposit)); // the L1 info and two deposits
        Assert.Single(busy.Receipts, r => !r.Success); // the first sender's token transfer, more than it has

        return busy;
    }

    /// <summary>
    /// A verifier that executes derived blocks whole on Block-STM (2 threads, every block) collects, from each
    /// transaction's committed incarnation, the address-index entries the sequencer's open block collected as it built
    /// them — the same entries in the same order — so its address index executes no block again and answers as an
    /// index built by executing every block again.
    /// </summary>
    [Fact]
    public async Task A_verifier_on_Block_STM_collects_the_address_index_the_open_block_collects()
    {
        await using var net = new RollupTestNet();
        RollupNode sequencer = net.Start(sequencer: true);
        RollupNode verifier = net.Start(sequencer: false, execThreads: 2);
        IChainReader chain = verifier.Node.Chain.Chain;
        using var live = new AddressIndex(chain, dataDirectory: null);
        var built = new ConcurrentDictionary<ulong, BlockAddresses?>();
        var derived = new ConcurrentDictionary<ulong, BlockAddresses?>();
        sequencer.Node.Chain.Chain.BlockAdded += added => built[added.Block.Number] = added.Addresses;
        chain.BlockAdded += added => derived[added.Block.Number] = added.Addresses; // after the index's: a block here has reached it

        await SequenceBusyBlockAsync(net, sequencer);
        ulong head = sequencer.Engine.Unsafe.Number;
        await net.MineL1Async(null, net.Channel(RollupTestNet.Batches(sequencer, 1, head), BatchMode.Calldata).Transactions);
        await RollupTestNet.DeriveAsync(verifier);
        Assert.Equal(head, verifier.Engine.Safe.Number);
        for (int wait = 0; wait < 500 && (built.Count < (int)head || derived.Count < (int)head); wait++)
        {
            await Task.Delay(10); // the announcements may follow the blocks' commits
        }

        for (ulong n = 1; n <= head; n++)
        {
            BlockAddresses open = built[n]!;
            BlockAddresses whole = derived[n]!;
            Assert.NotEmpty(open.Touched);
            Assert.Equal(open.Touched, whole.Touched);
            Assert.Equal(open.Created, whole.Created);
        }

        Assert.Contains(built.Values, b => b!.Created.Count > 0); // the token's deployment
        live.CatchUp();
        Assert.Equal(0, live.ExecutedAgain);
        using var again = new AddressIndex(chain, dataDirectory: null);
        again.CatchUp();
        Assert.Equal((long)head, again.ExecutedAgain);
        IEnumerable<Address> addresses = built.Values.SelectMany(b => b!.Touched.Select(t => t.Address).Concat(b.Created.Select(c => c.Contract))).Distinct();
        foreach (Address address in addresses)
        {
            Assert.Equal(again.Search(address, 0, before: false, 1000, out _), live.Search(address, 0, before: false, 1000, out _));
            Assert.Equal(again.Creator(address), live.Creator(address));
        }
    }

    private static async Task DeriveAllAsync(RollupNode[] verifiers)
    {
        foreach (RollupNode verifier in verifiers)
        {
            await RollupTestNet.DeriveAsync(verifier);
        }
    }

    private static void Add(RollupNode sequencer, Transaction tx) => Assert.Null(sequencer.Node.Chain.Pool.Add(tx));

    private static Transaction Sign(DevAccount from, ulong nonce, Address? to, ulong wei, byte[] data, ulong gas) => RollupTestNet.L2Transaction(from, nonce, to, wei, data, gas);

    private static byte[] TokenTransfer(Address to, ulong amount)
    {
        var data = new byte[64];
        to.Bytes.CopyTo(data.AsSpan(12));
        new UInt256(amount).WriteBigEndian(data.AsSpan(32));
        return data;
    }
}
