using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace Hyperion.Rpc.Tests.Eth;

/// <summary>
/// Random and mutated params for every registered method (fixed seed, fixed number of rounds, bounded time): each
/// answer is a well-formed JSON-RPC response, and never "internal error" (which is what an exception escaping a
/// handler becomes).
/// </summary>
/// <remarks>
/// The test command runs a fixed number of rounds (one request per method each) from a fixed seed, so that every
/// machine sends the same requests — a time budget alone let a faster CI machine reach inputs no local run had tried.
/// The time budget is a ceiling. A longer run (docs/operating.md, "Fuzzing") sets <c>HYPERION_FUZZ_ROUNDS</c> and
/// <c>HYPERION_FUZZ_SECONDS</c> and, for other inputs, <c>HYPERION_FUZZ_SEED</c>.
/// </remarks>
public sealed class RpcParamsFuzzTests(ITestOutputHelper output)
{
    private static readonly int Seed = FromEnvironment("HYPERION_FUZZ_SEED", 20_251_202);
    private static readonly int Rounds = FromEnvironment("HYPERION_FUZZ_ROUNDS", 500);
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(FromEnvironment("HYPERION_FUZZ_SECONDS", 120));

    private static int FromEnvironment(string name, int fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } text
            ? int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture)
            : fallback;

    private static readonly string[] Keys =
    [
        "from", "to", "data", "input", "gas", "gasPrice", "value", "nonce", "maxFeePerGas", "maxPriorityFeePerGas", "accessList",
        "fromBlock", "toBlock", "blockHash", "address", "topics", "tracer", "disableStack", "disableStorage", "code", "balance",
        "stateDiff", "storage", "types", "domain", "primaryType", "message", "chainId", "type",
    ];

    private static readonly string[] Strings =
    [
        "latest", "earliest", "pending", "safe", "finalized", "0x", "0x0", "0x1", "0x00", "0xzz", "", "callTracer", "1",
        "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "0x10000000000000000", "-0x1", "\ud800",
        "0x000000000000000000000000000000000000c0de", "50", "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "0x5b600056",
    ];

    [Fact]
    public void Every_method_answers_random_params_with_a_well_formed_response()
    {
        using var chain = new DevChain(limits: new RpcExecutionLimits(TimeSpan.FromSeconds(1), 2, TimeSpan.FromSeconds(2)));
        var random = new Random(Seed);
        var watch = Stopwatch.StartNew();
        int requests = 0;
        int rounds = 0;
        var problems = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (; rounds < Rounds && watch.Elapsed < Budget; rounds++)
        {
            foreach (string method in chain.Methods)
            {
                string parameters = RandomParams(random);
                if (random.Next(4) == 0)
                {
                    parameters = Mutate(random, parameters);
                }

                string payload = $$"""{"jsonrpc":"2.0","id":7,"method":"{{method}}","params":{{parameters}}}""";
                JsonElement response;
                try
                {
                    response = chain.Send(payload);
                }
                catch (JsonException)
                {
                    Assert.Fail($"{method} with {parameters}: the response is not JSON");
                    throw;
                }

                if (Problem(method, parameters, response) is string problem)
                {
                    problems.TryAdd(method, problem);
                }

                requests++;
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems.Values));
        output.WriteLine($"{rounds} rounds, {requests} requests in {watch.Elapsed.TotalSeconds:F1} s (seed {Seed})");
        Assert.True(requests > chain.Methods.Count, $"only {requests} requests in {Budget}");
    }

    /// <summary>What the fuzzing found: each was an exception escaping the handler ("internal error").</summary>
    [Theory]
    [InlineData("eth_getBlockReceipts", """[{"blockHash":false}]""")]
    [InlineData("evm_increaseTime", """["0xd7c0d336318943f5","safe","0xzz"]""")] // HYPERION_FUZZ_SEED=7, 180 s: overflowed the offset
    [InlineData("eth_feeHistory", """["0x1","latest",{"a":1}]""")]
    [InlineData("eth_feeHistory", """["0x1","latest",["50"]]""")]
    [InlineData("eth_feeHistory", """["0x1","latest",[50,10]]""")]
    [InlineData("eth_feeHistory", """["0x1","latest",[101]]""")]
    [InlineData("evm_setIntervalMining", """[1844674073709551616]""")]
    public void Found_by_fuzzing_answered_as_invalid_params(string method, string parameters)
    {
        using var chain = new DevChain();
        Assert.Equal(RpcErrorCodes.InvalidParams, chain.Error(method, parameters).GetProperty("code").GetInt32());
    }

    /// <summary>What is wrong with <paramref name="response"/>, or null for a well-formed answer.</summary>
    private static string? Problem(string method, string parameters, JsonElement response)
    {
        string context = $"{method} {parameters} → {response}";
        if (response.ValueKind != JsonValueKind.Object || !response.TryGetProperty("jsonrpc", out JsonElement version) || version.GetString() != "2.0")
        {
            return "not a JSON-RPC response: " + context;
        }

        bool hasResult = response.TryGetProperty("result", out _);
        bool hasError = response.TryGetProperty("error", out JsonElement error);
        if (hasResult == hasError)
        {
            return "needs exactly one of result and error: " + context;
        }

        if (hasError && (!error.TryGetProperty("code", out JsonElement code) || !code.TryGetInt32(out int value)
            || !error.TryGetProperty("message", out JsonElement message) || string.IsNullOrEmpty(message.GetString())))
        {
            return "malformed error: " + context;
        }

        return hasError && error.GetProperty("code").GetInt32() == RpcErrorCodes.Internal ? "an exception escaped the handler: " + context : null;
    }

    private static string RandomParams(Random random)
    {
        var json = new StringBuilder("[");
        int count = random.Next(5);
        for (int i = 0; i < count; i++)
        {
            json.Append(i > 0 ? "," : "");
            AppendValue(random, json, depth: 0);
        }

        return json.Append(']').ToString();
    }

    private static void AppendValue(Random random, StringBuilder json, int depth)
    {
        switch (random.Next(depth > 2 ? 5 : 7))
        {
            case 0:
                json.Append("null");
                break;
            case 1:
                json.Append(random.Next(2) == 0 ? "true" : "false");
                break;
            case 2:
                json.Append(random.Next(3) switch
                {
                    0 => random.Next().ToString(CultureInfo.InvariantCulture),
                    1 => "-1.5e300",
                    _ => "18446744073709551616",
                });
                break;
            case 3:
            case 4:
                json.Append(JsonSerializer.Serialize(random.Next(3) == 0 ? RandomHex(random) : Strings[random.Next(Strings.Length)]));
                break;
            case 5:
                json.Append('[');
                for (int i = 0, n = random.Next(4); i < n; i++)
                {
                    json.Append(i > 0 ? "," : "");
                    AppendValue(random, json, depth + 1);
                }

                json.Append(']');
                break;
            default:
                json.Append('{');
                for (int i = 0, n = random.Next(5); i < n; i++)
                {
                    json.Append(i > 0 ? "," : "").Append(JsonSerializer.Serialize(Keys[random.Next(Keys.Length)])).Append(':');
                    AppendValue(random, json, depth + 1);
                }

                json.Append('}');
                break;
        }
    }

    private static string RandomHex(Random random)
    {
        byte[] bytes = new byte[random.Next(3) switch { 0 => 20, 1 => 32, _ => random.Next(70) }];
        random.NextBytes(bytes);
        string hex = Convert.ToHexStringLower(bytes);
        return random.Next(5) == 0 ? hex : "0x" + hex;
    }

    /// <summary>Deletes, duplicates or replaces a character: mostly invalid JSON, which must be a parse error.</summary>
    private static string Mutate(Random random, string text)
    {
        if (text.Length == 0)
        {
            return text;
        }

        int at = random.Next(text.Length);
        const string Replacements = "[]{}\",:0x\\ ";
        return random.Next(3) switch
        {
            0 => text.Remove(at, 1),
            1 => text.Insert(at, text[at].ToString()),
            _ => text.Remove(at, 1).Insert(at, Replacements[random.Next(Replacements.Length)].ToString()),
        };
    }
}
