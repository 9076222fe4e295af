using System.Text.Json;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Rpc.Eth;
using static Hyperion.Rpc.Tests.Eth.DevChain;

namespace Hyperion.Rpc.Tests.Eth;

public sealed class TypedDataTests
{
    /// <summary>The "Mail" example of EIP-712.</summary>
    private const string Mail = """
        {
          "types": {
            "EIP712Domain": [
              {"name":"name","type":"string"},{"name":"version","type":"string"},
              {"name":"chainId","type":"uint256"},{"name":"verifyingContract","type":"address"}
            ],
            "Person": [{"name":"name","type":"string"},{"name":"wallet","type":"address"}],
            "Mail": [{"name":"from","type":"Person"},{"name":"to","type":"Person"},{"name":"contents","type":"string"}]
          },
          "primaryType": "Mail",
          "domain": {"name":"Ether Mail","version":"1","chainId":1,"verifyingContract":"0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},
          "message": {
            "from": {"name":"Cow","wallet":"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
            "to": {"name":"Bob","wallet":"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
            "contents": "Hello, Bob!"
          }
        }
        """;

    [Fact]
    public void Mail_example_hashes_as_in_the_eip()
    {
        using JsonDocument doc = JsonDocument.Parse(Mail);
        JsonElement types = doc.RootElement.GetProperty("types");
        Assert.Equal("Mail(Person from,Person to,string contents)Person(string name,address wallet)", TypedData.EncodeType(types, "Mail"));
        Assert.Equal(Hash256.Parse("0xc52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e"),
            TypedData.HashStruct(types, "Mail", doc.RootElement.GetProperty("message"), 0));
        Assert.Equal(Hash256.Parse("0xf2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f"),
            TypedData.HashStruct(types, "EIP712Domain", doc.RootElement.GetProperty("domain"), 0));
        Assert.Equal(Hash256.Parse("0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2"), TypedData.SigningHash(doc.RootElement));
    }

    [Fact]
    public void Rpc_signs_typed_data_with_the_dev_key()
    {
        using var chain = new DevChain();
        Hash256 digest = Hash256.Parse("0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2");
        foreach (string data in new[] { Mail, JsonSerializer.Serialize(Mail) }) // an object, or a JSON string of one
        {
            byte[] signature = Hex.Decode(chain.Call("eth_signTypedData_v4", $"""["{Alice}",{data}]""").GetString()!);
            Assert.Equal(65, signature.Length);
            Assert.True(Secp256k1.TryRecoverAddress(digest.Bytes, signature.AsSpan(0, 32), signature.AsSpan(32, 32), (byte)(signature[64] - 27), out Address signer));
            Assert.Equal(Alice, signer);
        }

        string broken = Mail.Replace("\"type\":\"Person\"}", "\"type\":\"Nobody\"}", StringComparison.Ordinal);
        Assert.Equal(RpcErrorCodes.InvalidParams, chain.Error("eth_signTypedData_v4", $"""["{Alice}",{broken}]""").GetProperty("code").GetInt32());
        Assert.Equal(RpcErrorCodes.InvalidParams, chain.Error("eth_signTypedData_v4", $"""["{Alice}","not json"]""").GetProperty("code").GetInt32());
        Assert.Equal(RpcErrorCodes.InvalidParams, chain.Error("eth_signTypedData_v4", "[\"" + Alice + "\",{\"types\":{}}]").GetProperty("code").GetInt32());
        Assert.Equal(RpcErrorCodes.Server, chain.Error("eth_signTypedData_v4", "[\"0x00000000000000000000000000000000000000aa\"," + Mail + "]").GetProperty("code").GetInt32());
    }
}
