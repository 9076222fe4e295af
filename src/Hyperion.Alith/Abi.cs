using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;

namespace Hyperion.Alith;

// Nethereum messages for the contracts Alith talks to (Solidity in contracts/src and contracts/src/lazai).

/// <summary>A view function whose one argument is a DAT class id (for the market: the model class).</summary>
public abstract class ClassIdQuery : FunctionMessage
{
    [Parameter("uint256", "classId", 1)]
    public BigInteger ClassId { get; set; }
}

/// <summary>IHyperionInference.generate on the precompile 0x…0a11.</summary>
[Function("generate", typeof(GenerationOutput))]
public sealed class GenerateFunction : FunctionMessage
{
    [Parameter("bytes32", "model", 1)]
    public byte[] Model { get; set; } = new byte[32];

    [Parameter("string", "prompt", 2)]
    public string Prompt { get; set; } = "";

    [Parameter("uint32", "maxNewTokens", 3)]
    public uint MaxNewTokens { get; set; }

    [Parameter("uint32", "temperatureQ16", 4)]
    public uint TemperatureQ16 { get; set; }

    [Parameter("uint32", "topPQ16", 5)]
    public uint TopPQ16 { get; set; }

    [Parameter("uint64", "seed", 6)]
    public ulong Seed { get; set; }
}

/// <summary>The (uint32[] tokens, string text) a generation returns.</summary>
[FunctionOutput]
public sealed class GenerationOutput : IFunctionOutputDTO
{
    [Parameter("uint32[]", "tokens", 1)]
    public List<uint> Tokens { get; set; } = [];

    [Parameter("string", "text", 2)]
    public string Text { get; set; } = "";
}

/// <summary>InferenceParams of the LazAI contracts.</summary>
public sealed class InferenceParamsStruct
{
    [Parameter("uint32", "maxNewTokens", 1)]
    public uint MaxNewTokens { get; set; }

    [Parameter("uint32", "temperatureQ16", 2)]
    public uint TemperatureQ16 { get; set; }

    [Parameter("uint32", "topPQ16", 3)]
    public uint TopPQ16 { get; set; }

    [Parameter("uint64", "seed", 4)]
    public ulong Seed { get; set; }
}

/// <summary>InferenceMarket.infer(modelClass, prompt, params) payable.</summary>
[Function("infer", typeof(MarketInferOutput))]
public sealed class MarketInferFunction : FunctionMessage
{
    [Parameter("uint256", "modelClass", 1)]
    public BigInteger ModelClass { get; set; }

    [Parameter("string", "prompt", 2)]
    public string Prompt { get; set; } = "";

    [Parameter("tuple", "params", 3)]
    public InferenceParamsStruct Params { get; set; } = new();
}

[FunctionOutput]
public sealed class MarketInferOutput : IFunctionOutputDTO
{
    [Parameter("uint256", "id", 1)]
    public BigInteger Id { get; set; }

    [Parameter("uint32[]", "tokens", 2)]
    public List<uint> Tokens { get; set; } = [];

    [Parameter("string", "text", 3)]
    public string Text { get; set; } = "";
}

/// <summary>InferenceMarket.quote(modelClass): the price and its split.</summary>
[Function("quote", typeof(QuoteOutput))]
public sealed class QuoteFunction : ClassIdQuery;

[FunctionOutput]
public sealed class QuoteOutput : IFunctionOutputDTO
{
    [Parameter("uint256", "price", 1)]
    public BigInteger Price { get; set; }

    [Parameter("uint256", "protocolFee", 2)]
    public BigInteger ProtocolFee { get; set; }

    [Parameter("uint256", "computeFee", 3)]
    public BigInteger ComputeFee { get; set; }

    [Parameter("uint256[]", "dataClasses", 4)]
    public List<BigInteger> DataClasses { get; set; } = [];

    [Parameter("uint256[]", "dataFees", 5)]
    public List<BigInteger> DataFees { get; set; } = [];
}

[Event("InferenceRecorded")]
public sealed class InferenceRecordedEvent : IEventDTO
{
    [Parameter("uint256", "id", 1, true)]
    public BigInteger Id { get; set; }

    [Parameter("address", "caller", 2, true)]
    public string Caller { get; set; } = "";

    [Parameter("uint256", "modelClass", 3, true)]
    public BigInteger ModelClass { get; set; }

    [Parameter("bytes32", "modelHash", 4, false)]
    public byte[] ModelHash { get; set; } = [];

    [Parameter("bytes32", "inputHash", 5, false)]
    public byte[] InputHash { get; set; } = [];

    [Parameter("bytes32", "outputHash", 6, false)]
    public byte[] OutputHash { get; set; } = [];

    [Parameter("uint256", "gasUsed", 7, false)]
    public BigInteger GasUsed { get; set; }

    [Parameter("uint256", "price", 8, false)]
    public BigInteger Price { get; set; }
}

/// <summary>DataAnchoredToken.classInfo(classId).</summary>
[Function("classInfo", typeof(ClassInfoOutput))]
public sealed class ClassInfoFunction : ClassIdQuery;

[FunctionOutput]
public sealed class ClassInfoOutput : IFunctionOutputDTO
{
    [Parameter("uint8", "kind", 1)]
    public byte Kind { get; set; }

    [Parameter("address", "manager", 2)]
    public string Manager { get; set; } = "";

    [Parameter("bytes32", "contentHash", 3)]
    public byte[] ContentHash { get; set; } = [];

    [Parameter("string", "uri", 4)]
    public string Uri { get; set; } = "";

    [Parameter("uint256", "pricePerUse", 5)]
    public BigInteger PricePerUse { get; set; }

    [Parameter("uint256", "totalShares", 6)]
    public BigInteger TotalShares { get; set; }
}

/// <summary>DataAnchoredToken.provenance(classId).</summary>
[Function("provenance", typeof(ProvenanceOutput))]
public sealed class ProvenanceFunction : ClassIdQuery;

[FunctionOutput]
public sealed class ProvenanceOutput : IFunctionOutputDTO
{
    [Parameter("uint256[]", "parents", 1)]
    public List<BigInteger> Parents { get; set; } = [];

    [Parameter("uint16[]", "parentBps", 2)]
    public List<ushort> ParentBps { get; set; } = [];
}

/// <summary>DataAnchoredToken.revenueInfo(classId).</summary>
[Function("revenueInfo", typeof(RevenueInfoOutput))]
public sealed class RevenueInfoFunction : ClassIdQuery;

[FunctionOutput]
public sealed class RevenueInfoOutput : IFunctionOutputDTO
{
    [Parameter("uint256", "totalRevenue", 1)]
    public BigInteger TotalRevenue { get; set; }

    [Parameter("uint256", "revenuePerShare", 2)]
    public BigInteger RevenuePerShare { get; set; }

    [Parameter("uint256", "carry", 3)]
    public BigInteger Carry { get; set; }

    [Parameter("uint256", "usageCount", 4)]
    public BigInteger UsageCount { get; set; }
}

/// <summary>DataAnchoredToken.usageOf(classId, user).</summary>
[Function("usageOf", "uint256")]
public sealed class UsageOfFunction : FunctionMessage
{
    [Parameter("uint256", "classId", 1)]
    public BigInteger ClassId { get; set; }

    [Parameter("address", "user", 2)]
    public string User { get; set; } = "";
}
