using System.Text.Json;
using Hyperion.Rpc;
using static Hyperion.Rpc.Tests.Eth.DevChain;

namespace Hyperion.Rpc.Tests.Eth;

/// <summary>
/// A block damaged in chain.log below the head is found when a client asks for it (an open checks only the tail): the
/// client gets an error that names the block and the commands to run, not a bare "internal error", and the other
/// blocks are still served.
/// </summary>
public sealed class DamagedBlockTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "hyperion-damaged-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void A_client_reading_a_damaged_block_is_told_which_block_and_what_to_run()
    {
        string signatureR;
        using (var chain = new DevChain(dataDirectory: _directory))
        {
            string hash = chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Bob}}","value":"0x1"}""");
            signatureR = chain.Call("eth_getTransactionByHash", $"""["{hash}"]""").GetProperty("r").GetString()!;
            chain.SendAndMine($$"""{"from":"{{Bob}}","to":"{{Alice}}","value":"0x2"}""");
            chain.Addresses.CatchUp(); // so that the reopened index does not read block 1
        }

        string log = Path.Combine(_directory, Hyperion.Chain.ChainRecovery.ChainFileName);
        byte[] data = File.ReadAllBytes(log);
        string hex = signatureR[2..].TrimStart('0');
        byte[] transaction = Convert.FromHexString(hex.Length % 2 == 0 ? hex : "0" + hex); // its signature's r, as stored (minimal bytes)
        int at = data.AsSpan().IndexOf(transaction);
        Assert.True(at > 0);
        data[at + transaction.Length / 2] ^= 0x01; // block 1's record, which its checksum no longer matches
        File.WriteAllBytes(log, data);

        using var reopened = new DevChain(dataDirectory: _directory);
        JsonElement error = reopened.Error("eth_getBlockByNumber", """["0x1",false]""");
        Assert.Equal(RpcErrorCodes.Internal, error.GetProperty("code").GetInt32());
        string message = error.GetProperty("message").GetString()!;
        Assert.StartsWith("block 1 is damaged in chain.log (", message, StringComparison.Ordinal);
        Assert.Contains("hyperion db verify", message, StringComparison.Ordinal);
        Assert.Contains("hyperion db repair", message, StringComparison.Ordinal);
        Assert.Equal("0x2", reopened.Call("eth_getBlockByNumber", """["0x2",false]""").GetProperty("number").GetString());
    }
}
