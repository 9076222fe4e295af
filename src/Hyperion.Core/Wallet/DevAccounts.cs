namespace Hyperion.Core.Wallet;

/// <summary>A funded development account: its index on the derivation path, address and private key.</summary>
public sealed class DevAccount(int index, Address address, byte[] privateKey)
{
    public int Index { get; } = index;

    public Address Address { get; } = address;

    public ReadOnlyMemory<byte> PrivateKey { get; } = privateKey;

    public override string ToString() => $"#{Index} {Address.ToChecksumString()}";
}

/// <summary>Development accounts from a mnemonic on Ethereum's path m/44'/60'/0'/0/i, as anvil and hardhat derive them.</summary>
public static class DevAccounts
{
    /// <summary>The mnemonic anvil and hardhat use by default; its accounts are public knowledge, so never fund them on a real network.</summary>
    public const string DefaultMnemonic = "test test test test test test test test test test test junk";

    /// <summary>BIP-44 path of the external chain of Ethereum account 0; account i is this path followed by /i.</summary>
    public const string EthereumPathPrefix = "m/44'/60'/0'/0";

    /// <summary>The first <paramref name="count"/> accounts of <paramref name="mnemonic"/>.</summary>
    /// <exception cref="FormatException">The mnemonic is invalid (bad word or checksum).</exception>
    public static IReadOnlyList<DevAccount> Derive(string mnemonic, int count, string passphrase = "")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        byte[] seed = Bip39.MnemonicToSeed(mnemonic, passphrase);
        ExtendedPrivateKey chain = ExtendedPrivateKey.FromSeed(seed).Derive(EthereumPathPrefix);

        var accounts = new DevAccount[count];
        for (int i = 0; i < count; i++)
        {
            ExtendedPrivateKey key = chain.DeriveChild((uint)i);
            accounts[i] = new DevAccount(i, key.Address, key.PrivateKey.ToArray());
        }

        return accounts;
    }
}
