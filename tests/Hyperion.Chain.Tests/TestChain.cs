using Hyperion.Chain;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;
using Hyperion.Core.Wallet;
using Hyperion.State;

namespace Hyperion.Chain.Tests;

/// <summary>Dev accounts, a dev genesis and signed transfers for the chain tests.</summary>
internal static class TestChain
{
    public const ulong ChainId = 133717;

    public static readonly IReadOnlyList<DevAccount> Accounts = DevAccounts.Derive(DevAccounts.DefaultMnemonic, 3);

    public static readonly UInt256 Ether = UInt256.Parse("1000000000000000000");

    /// <summary>Many funded senders, for pool floods (the first three are <see cref="Accounts"/>).</summary>
    public static readonly IReadOnlyList<DevAccount> Crowd = DevAccounts.Derive(DevAccounts.DefaultMnemonic, 40);

    /// <summary>A state in which every <see cref="Crowd"/> account holds 100 ether.</summary>
    public static IStateReader CrowdState() => Chain.Genesis.Dev(ChainId, Crowd, Ether * 100).BuildState();

    public static Genesis Genesis() => Chain.Genesis.Dev(ChainId, Accounts, Ether * 100);

    public static Transaction Transfer(int from, Address to, UInt256 value, ulong nonce, UInt256? maxFee = null, UInt256? tip = null, ulong gas = 21_000, ulong chainId = ChainId) =>
        Transfer(Accounts[from], to, value, nonce, maxFee, tip, gas, chainId);

    public static Transaction Transfer(DevAccount from, Address to, UInt256 value, ulong nonce, UInt256? maxFee = null, UInt256? tip = null, ulong gas = 21_000, ulong chainId = ChainId)
    {
        var tx = new Transaction
        {
            Type = TransactionType.DynamicFee,
            ChainId = chainId,
            Nonce = nonce,
            MaxFeePerGas = maxFee ?? 10_000_000_000UL,
            MaxPriorityFeePerGas = tip ?? 1_000_000_000UL,
            GasLimit = gas,
            To = to,
            Value = value,
        };
        return Sign(tx, from);
    }

    public static Transaction Sign(Transaction tx, int from) => Sign(tx, Accounts[from]);

    public static Transaction Sign(Transaction tx, DevAccount from)
    {
        EcdsaSignature signature = Secp256k1.Sign(tx.SigningHash().Bytes, from.PrivateKey.Span);
        return tx.WithSignature(signature.R, signature.S, signature.RecoveryId);
    }

    public static string TempDirectory()
    {
        string path = Path.Combine(Path.GetTempPath(), "hyperion-chain-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Waits until the chain has mined <paramref name="hash"/>; fails after a generous timeout.</summary>
    public static StoredBlock WaitForInclusion(LocalChain chain, Hash256 hash)
    {
        for (int i = 0; i < 2000; i++)
        {
            if (chain.Chain.Store.TryFindTransaction(hash, out StoredBlock block, out _))
            {
                return block;
            }

            Thread.Sleep(5);
        }

        throw new TimeoutException($"transaction {hash} was not mined");
    }
}
