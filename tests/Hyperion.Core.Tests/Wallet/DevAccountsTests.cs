using Hyperion.Core.Wallet;

namespace Hyperion.Core.Tests.Wallet;

public class DevAccountsTests
{
    [Fact]
    public void Default_mnemonic_gives_anvils_accounts()
    {
        IReadOnlyList<DevAccount> accounts = DevAccounts.Derive(DevAccounts.DefaultMnemonic, 10);
        Assert.Equal(10, accounts.Count);
        Assert.Equal("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", accounts[0].Address.ToChecksumString());
        Assert.Equal("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80", Hex.Encode(accounts[0].PrivateKey.Span));
        Assert.Equal("0x70997970C51812dc3A010C7d01b50e0d17dc79C8", accounts[1].Address.ToChecksumString());
        Assert.Equal("0xa0Ee7A142d267C1f36714E4a8F75612F20a79720", accounts[9].Address.ToChecksumString());
        Assert.Equal(Enumerable.Range(0, 10), accounts.Select(a => a.Index));
        Assert.Equal(10, accounts.Select(a => a.Address).Distinct().Count());
    }

    [Fact]
    public void Zero_accounts_is_empty_and_negative_is_rejected()
    {
        Assert.Empty(DevAccounts.Derive(DevAccounts.DefaultMnemonic, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => DevAccounts.Derive(DevAccounts.DefaultMnemonic, -1));
    }

    [Fact]
    public void Invalid_mnemonic_is_a_clear_error()
    {
        var error = Assert.Throws<FormatException>(() => DevAccounts.Derive("test test test test test test test test test test test test", 1));
        Assert.Contains("checksum", error.Message);
    }

    [Fact]
    public void Passphrase_changes_the_accounts() =>
        Assert.NotEqual(
            DevAccounts.Derive(DevAccounts.DefaultMnemonic, 1)[0].Address,
            DevAccounts.Derive(DevAccounts.DefaultMnemonic, 1, "secret")[0].Address);
}
