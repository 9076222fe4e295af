// An agent that answers on-chain requests (contracts/src/lazai/AgentRequests.sol) with paid, recorded inference:
// each answer goes through the InferenceMarket (which pays the model's and its datasets' DAT holders), is checked
// against the market's recorded output hash and re-verified by the InferenceVerifier, then posted with a contract
// tool made from the requests contract's ABI; the asker's reward pays the agent.
//
//   AGENT_KEY=0x… dotnet LazaiAgent.dll --rpc URL --requests ADDR --requests-abi FILE --market ADDR --model-class N
//       --model-hash 0x… --verifier ADDR [--max-tokens 16] [--spend-limit-wei W] [--once]
using System.Globalization;
using System.Numerics;
using Hyperion.Alith;
using Microsoft.Extensions.AI;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;
using Nethereum.RPC.Eth.DTOs;

Dictionary<string, string> options = Arguments.Parse(args);
string Required(string name) => options.TryGetValue(name, out string? value) ? value : throw new ArgumentException($"--{name} is required");
string key = Environment.GetEnvironmentVariable("AGENT_KEY") ?? throw new ArgumentException("set AGENT_KEY to the agent's private key");

var limit = new SpendingLimit(BigInteger.Parse(options.GetValueOrDefault("spend-limit-wei", "100000000000000000"), CultureInfo.InvariantCulture));
HyperionChain chain = await HyperionChain.ConnectAsync(Required("rpc"), key, limit);
byte[] modelHash = AbiValues.Hex(Required("model-hash"));
string requests = Required("requests");
string verifier = Required("verifier");
uint maxTokens = uint.Parse(options.GetValueOrDefault("max-tokens", "16"), CultureInfo.InvariantCulture);

using var model = new OnChainChatClient(chain, new OnChainChatOptions
{
    ModelHash = modelHash,
    Market = Required("market"),
    ModelClass = BigInteger.Parse(Required("model-class"), CultureInfo.InvariantCulture),
});
AIFunction answerTool = ContractTools.FromAbi(chain, requests, await File.ReadAllTextAsync(Required("requests-abi"))).Single(t => t.Name == "answer");
var askedTopic = Event<AskedEvent>.GetEventABI().Sha3Signature;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
Console.WriteLine($"agent {chain.Account!.Address} watching {requests}");
await ChainEvents.WatchAsync(chain, requests, "0x" + askedTopic, async (log, cancellationToken) =>
{
    AskedEvent asked = Event<AskedEvent>.DecodeEvent(log).Event;
    ChatResponse response = await model.GetResponseAsync(asked.Prompt, new ChatOptions { MaxOutputTokens = (int)maxTokens }, cancellationToken);
    var tokens = (IReadOnlyList<int>)response.AdditionalProperties!["tokens"]!;
    string recordId = (string)response.AdditionalProperties["recordId"]!;

    // Independent re-check: the verifier re-runs the model through the precompile.
    var verify = new VerifyFunction
    {
        Model = modelHash,
        Prompt = asked.Prompt,
        Params = new InferenceParamsStruct { MaxNewTokens = maxTokens },
        ClaimedTokens = [.. tokens.Select(t => (uint)t)],
    };
    bool verified = await chain.Web3.Eth.GetContractQueryHandler<VerifyFunction>().QueryAsync<bool>(verifier, verify);
    if (!verified) throw new InvalidOperationException($"request {asked.Id}: the verifier disagrees with the answer");

    object? posted = await answerTool.InvokeAsync(new AIFunctionArguments
    {
        ["id"] = asked.Id.ToString(CultureInfo.InvariantCulture), ["text"] = response.Text, ["inferenceId"] = recordId,
    }, cancellationToken);
    Console.WriteLine($"answered request {asked.Id} with inference record {recordId} (verified, paid {response.AdditionalProperties["priceWei"]} wei): {((Dictionary<string, object?>)posted!)["transactionHash"]}");
    if (options.ContainsKey("once")) await stop.CancelAsync();
}, TimeSpan.FromMilliseconds(200), stop.Token);

[Event("Asked")]
internal sealed class AskedEvent : IEventDTO
{
    [Parameter("uint256", "id", 1, true)]
    public BigInteger Id { get; set; }

    [Parameter("address", "asker", 2, true)]
    public string Asker { get; set; } = "";

    [Parameter("string", "prompt", 3, false)]
    public string Prompt { get; set; } = "";

    [Parameter("uint256", "reward", 4, false)]
    public BigInteger Reward { get; set; }
}

[Function("verify", "bool")]
internal sealed class VerifyFunction : FunctionMessage
{
    [Parameter("bytes32", "model", 1)]
    public byte[] Model { get; set; } = [];

    [Parameter("string", "prompt", 2)]
    public string Prompt { get; set; } = "";

    [Parameter("tuple", "params", 3)]
    public InferenceParamsStruct Params { get; set; } = new();

    [Parameter("uint32[]", "claimedTokens", 4)]
    public List<uint> ClaimedTokens { get; set; } = [];
}

internal static class Arguments
{
    /// <summary>"--name value" pairs and bare "--flag"s.</summary>
    public static Dictionary<string, string> Parse(string[] args)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{args[i]}'");
            string name = args[i][2..];
            result[name] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "";
        }

        return result;
    }
}
