using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Core.Transactions;
using Hyperion.Rollup.Node.L1;
using Newtonsoft.Json.Linq;

namespace Hyperion.Rollup.Node.Tests;

/// <summary>
/// anvil from the e2e npm packages (e2e/node_modules/.bin/anvil after <c>npm ci</c> in e2e/), on a free local port,
/// Cancun rules. Facts that need it are reported as skipped, with that reason, when it is not installed.
/// </summary>
public sealed class Anvil : IAsyncDisposable
{
    /// <summary>anvil's first dev account (mnemonic "test … junk").</summary>
    public static readonly byte[] DevKey = Hex.Decode("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
    public static readonly Address DevAddress = Address.Parse("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    public const ulong ChainId = 31337;

    public static readonly string? Executable = TrustedSetupFile.FindInRepository(Path.Combine("e2e", "node_modules", ".bin", "anvil"));

    private readonly Process _process;

    // anvil checks a blob transaction's KZG proofs on its first send (loading the trusted setup): on a loaded 2-core
    // machine that outlasts the RPC client's 20 s default (a process-wide setting of Nethereum's client).
    static Anvil() => Nethereum.JsonRpc.Client.ClientBase.ConnectionTimeout = TimeSpan.FromSeconds(120);

    private Anvil(Process process, Uri url)
    {
        _process = process;
        Url = url;
        Rpc = new JsonRpcEndpoint(url);
    }

    public Uri Url { get; }

    public JsonRpcEndpoint Rpc { get; }

    public static async Task<Anvil> StartAsync(params string[] extraArgs)
    {
        string exe = Executable ?? throw new InvalidOperationException("anvil is not installed");
        int port = FreePort();
        var info = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--hardfork", "cancun", "--silent" }.Concat(extraArgs))
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("anvil did not start");
        var anvil = new Anvil(process, new Uri($"http://127.0.0.1:{port}"));
        for (int attempt = 0; attempt < 150; attempt++)
        {
            try
            {
                await anvil.Rpc.CallAsync("eth_chainId", [], CancellationToken.None);
                return anvil;
            }
            catch (JsonRpcCallException)
            {
                await Task.Delay(100);
            }
        }

        await anvil.DisposeAsync();
        throw new InvalidOperationException("anvil did not answer within 15 s");
    }

    public Task<JToken?> CallAsync(string method, params object?[] parameters) => Rpc.CallAsync(method, parameters, CancellationToken.None);

    public async Task<ulong> NonceAsync(Address address) =>
        Rpc_Quantity(await CallAsync("eth_getTransactionCount", address.ToString(), "pending"));

    /// <summary>Signs with <see cref="DevKey"/> (Core's signer) and sends; returns the hash.</summary>
    public async Task<Hash256> SendAsync(Transaction unsigned, BlobSidecar? sidecar = null)
    {
        Transaction tx = Sign(unsigned, DevKey);
        byte[] raw = sidecar is null ? tx.Envelope.ToArray() : tx.EncodeNetwork(sidecar);
        JToken? hash = await CallAsync("eth_sendRawTransaction", Hex.Encode(raw));
        return Hash256.Parse((string)hash!);
    }

    public static Transaction Sign(Transaction unsigned, byte[] key) => TransactionSigner.Sign(unsigned, key);

    public async Task MineAsync() => await CallAsync("evm_mine");

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static ulong Rpc_Quantity(JToken? value) => Hyperion.Rpc.EthJson.ParseQuantity((string)value!);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A fact that needs anvil (and c-kzg's trusted setup, from the same npm install).</summary>
public sealed class AnvilFactAttribute : FactAttribute
{
    public AnvilFactAttribute()
    {
        if (Anvil.Executable is null || TrustedSetupFile.Find() is null)
        {
            Skip = "anvil or c-kzg not found: run `npm ci` in e2e/ (ships node_modules/.bin/anvil and c-kzg's trusted setup)";
        }
    }
}

/// <summary>Tests that start anvil run alone: blob transactions and KZG work are slow when they share two cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AnvilCollection
{
    public const string Name = "anvil";
}
