using System.Numerics;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Nethereum.ABI.Model;
using Nethereum.Contracts;

namespace Hyperion.Alith;

/// <summary>
/// A contract's functions as tools an agent can call, from its ABI JSON. View/pure functions are eth_calls; others
/// are transactions from the chain's key, held to its spending limit (payable ones take a "valueWei" argument).
/// Integers are decimal strings, bytes hex. Functions with tuple parameters, and all but the first of overloaded
/// names, are left out.
/// </summary>
public static class ContractTools
{
    public static IReadOnlyList<AIFunction> FromAbi(HyperionChain chain, string address, string abiJson, string? namePrefix = null)
    {
        ArgumentNullException.ThrowIfNull(chain);
        if (!AbiValues.IsAddress(address)) throw new ArgumentException($"'{address}' is not an address", nameof(address));
        Contract contract = chain.Web3.Eth.GetContract(abiJson, address);
        var tools = new List<AIFunction>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (FunctionABI function in contract.ContractBuilder.ContractABI.Functions)
        {
            if (!seen.Add(function.Name)) continue;
            if (function.InputParameters.Any(p => AbiValues.Schema(p.Type) is null)) continue;
            tools.Add(new ContractFunctionTool(chain, contract.GetFunction(function.Name), function, (namePrefix ?? "") + function.Name));
        }

        return tools;
    }

    private sealed class ContractFunctionTool : AIFunction
    {
        private readonly HyperionChain _chain;
        private readonly Function _function;
        private readonly FunctionABI _abi;
        private readonly bool _isCall;
        private readonly bool _payable;

        public ContractFunctionTool(HyperionChain chain, Function function, FunctionABI abi, string name)
        {
            _chain = chain;
            _function = function;
            _abi = abi;
            _isCall = abi.Constant || abi.StateMutability is "view" or "pure";
            _payable = abi.StateMutability == "payable";
            Name = name;
            string signature = $"{abi.Name}({string.Join(", ", abi.InputParameters.Select(p => $"{p.Type} {p.Name}"))})";
            Description = _isCall
                ? $"Reads {signature} of contract {function.ContractAddress} (free, no transaction)."
                : $"Sends a transaction calling {signature} on contract {function.ContractAddress} (costs gas{(_payable ? " and valueWei" : "")}).";
            var properties = new Dictionary<string, object>(StringComparer.Ordinal);
            foreach (Parameter p in abi.InputParameters) properties[ParameterName(p)] = AbiValues.Schema(p.Type)!;
            var required = properties.Keys.ToList();
            if (_payable)
            {
                properties["valueWei"] = new Dictionary<string, object> { ["type"] = "string", ["pattern"] = "^[0-9]+$", ["description"] = "wei to send" };
            }

            JsonSchema = JsonSerializer.SerializeToElement(new Dictionary<string, object>
            {
                ["type"] = "object",
                ["properties"] = properties,
                ["required"] = required,
            });
        }

        public override string Name { get; }

        public override string Description { get; }

        public override JsonElement JsonSchema { get; }

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            var values = new object[_abi.InputParameters.Length];
            for (int i = 0; i < values.Length; i++)
            {
                Parameter p = _abi.InputParameters[i];
                string name = ParameterName(p);
                if (!arguments.TryGetValue(name, out object? raw) || raw is null) throw new ArgumentException($"argument '{name}' ({p.Type}) is missing");
                values[i] = AbiValues.FromJson(name, p.Type, raw is JsonElement e ? e : JsonSerializer.SerializeToElement(raw));
            }

            BigInteger value = BigInteger.Zero;
            if (_payable && arguments.TryGetValue("valueWei", out object? sent) && sent is not null)
            {
                value = (BigInteger)AbiValues.FromJson("valueWei", "uint256", sent as JsonElement? ?? JsonSerializer.SerializeToElement(sent));
            }

            return await _chain.InvokeAsync(_function, _isCall, values, value, cancellationToken).ConfigureAwait(false);
        }

        private static string ParameterName(Parameter p) => string.IsNullOrEmpty(p.Name) ? $"arg{p.Order}" : p.Name;
    }
}
