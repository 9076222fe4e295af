using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using Hyperion.Core.Crypto;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;

namespace Hyperion.Alith.Tests;

/// <summary>
/// The built CLI (artifacts/bin/Hyperion.Cli/&lt;configuration&gt;/hyperion.dll): `hyperion dev` on a free port with a
/// seeded random stories260K-shaped model in its model directory, registered in the model registry by dev account 0.
/// One node per test class (xunit class fixture).
/// </summary>
public sealed class DevNode : IAsyncLifetime
{
    /// <summary>The anvil/Hardhat dev keys of m/44'/60'/0'/0/0 and /1 (account 0 owns the registry).</summary>
    public const string OwnerKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    public const string OtherKey = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

    private Process? _node;

    public static string CliDll { get; } = Path.Combine(
        AppContext.BaseDirectory.Replace(Path.Combine("bin", "Hyperion.Alith.Tests"), Path.Combine("bin", "Hyperion.Cli"), StringComparison.Ordinal), "hyperion.dll");

    public string ModelDirectory { get; } = Directory.CreateTempSubdirectory("hyperion-alith-").FullName;

    public string ModelPath => Path.Combine(ModelDirectory, "stories260k-seed5.hqm");

    public byte[] ModelHash { get; private set; } = [];

    public string Url { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Run("model", "random", "--shape", "stories260K", "--seed", "5", "--out", ModelPath);
        byte[] bytes = await File.ReadAllBytesAsync(ModelPath);
        ModelHash = Keccak256.Hash(bytes).Bytes.ToArray();
        int port = FreePort();
        Url = $"http://127.0.0.1:{port}";
        _node = Process.Start(Start("dev", "--ephemeral", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--model-dir", ModelDirectory))!;
        _node.OutputDataReceived += (_, _) => { };
        _node.ErrorDataReceived += (_, _) => { };
        _node.BeginOutputReadLine();
        _node.BeginErrorReadLine();
        Stopwatch started = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                HyperionChain owner = await HyperionChain.ConnectAsync(Url, OwnerKey);
                var register = new RegisterFunction { Hash = ModelHash, SizeBytes = (ulong)bytes.Length, MacsPerGas = 64 };
                await owner.Web3.Eth.GetContractTransactionHandler<RegisterFunction>().SendRequestAndWaitForReceiptAsync(HyperionChain.ModelRegistryAddress, register);
                return;
            }
            catch (Exception) when (started.Elapsed < TimeSpan.FromMinutes(3) && !_node.HasExited)
            {
                await Task.Delay(200);
            }
        }
    }

    public Task DisposeAsync()
    {
        if (_node is { HasExited: false })
        {
            _node.Kill(entireProcessTree: true);
            _node.WaitForExit();
        }

        _node?.Dispose();
        Directory.Delete(ModelDirectory, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>`hyperion infer` on the test model: the token ids it prints.</summary>
    public int[] Infer(string prompt, int maxTokens, string temperature = "0", string topP = "0.9", ulong seed = 0)
    {
        string output = Run("infer", "--model", ModelPath, "--prompt", prompt, "--max-tokens", maxTokens.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--temperature", temperature, "--top-p", topP, "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        string first = output.Split('\n')[0].Trim();
        return first.Length == 0 ? [] : [.. first.Split(' ').Select(int.Parse)];
    }

    public static ProcessStartInfo Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(CliDll);
        foreach (string arg in args) info.ArgumentList.Add(arg);
        return info;
    }

    private static string Run(params string[] args)
    {
        using Process process = Process.Start(Start(args))!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"hyperion {string.Join(' ', args)} exited {process.ExitCode}: {error.Result}");
        return output;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static BigInteger Ether(int n) => BigInteger.Pow(10, 18) * n;
}

/// <summary>ModelRegistry.register (owner only).</summary>
[Function("register")]
public sealed class RegisterFunction : FunctionMessage
{
    [Parameter("bytes32", "hash", 1)]
    public byte[] Hash { get; set; } = [];

    [Parameter("uint64", "sizeBytes", 2)]
    public ulong SizeBytes { get; set; }

    [Parameter("uint32", "macsPerGas", 3)]
    public uint MacsPerGas { get; set; }
}
