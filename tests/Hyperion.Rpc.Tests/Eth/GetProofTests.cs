using System.Text.Json;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.State;
using Hyperion.Trie;
using static Hyperion.Rpc.Tests.Eth.DevChain;

namespace Hyperion.Rpc.Tests.Eth;

public sealed class GetProofTests : IDisposable
{
    private readonly DevChain _chain = new();

    public void Dispose() => _chain.Dispose();

    [Fact]
    public void Proves_an_account_and_its_slots_against_the_block_roots()
    {
        _chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Contract}}","data":"{{Word(77)}}","gas":"0x30000"}""");
        _chain.SendAndMine($$"""{"from":"{{Alice}}","to":"{{Contract}}","data":"{{Word(78)}}","gas":"0x30000"}""");
        Hash256 rootAtOne = Hash256.Parse(_chain.Call("eth_getBlockByNumber", """["0x1",false]""").GetProperty("stateRoot").GetString()!);

        JsonElement proof = _chain.Call("eth_getProof", $"""["{Contract}",["0x0","{Word(5)}"],"0x1"]""");
        Account account = AccountRlp.Decode(Verify(rootAtOne, Keccak256.Hash(Contract.Bytes).Bytes, proof.GetProperty("accountProof"))!);
        Assert.Equal(account.Nonce, Quantity(proof.GetProperty("nonce")));
        Assert.Equal(account.CodeHash.ToString(), proof.GetProperty("codeHash").GetString());
        Assert.Equal(Keccak256.Hash(ContractCode), account.CodeHash);
        Assert.Equal(account.StorageRoot.ToString(), proof.GetProperty("storageHash").GetString());

        JsonElement slots = proof.GetProperty("storageProof");
        Assert.Equal(2, slots.GetArrayLength());
        Assert.Equal(Word(0), slots[0].GetProperty("key").GetString());
        Assert.Equal(77UL, Quantity(slots[0].GetProperty("value"))); // slot 0 as of block 1, not the head's 78
        Assert.NotNull(Verify(account.StorageRoot, SlotKey(0), slots[0].GetProperty("proof")));
        Assert.Equal(0UL, Quantity(slots[1].GetProperty("value")));
        Assert.Null(Verify(account.StorageRoot, SlotKey(5), slots[1].GetProperty("proof")));
    }

    [Fact]
    public void Proves_the_absence_of_an_account()
    {
        var nobody = Address.Parse("0x1111111111111111111111111111111111111111");
        JsonElement proof = _chain.Call("eth_getProof", $"""["{nobody}",["0x1"],"latest"]""");
        Hash256 root = Hash256.Parse(_chain.Call("eth_getBlockByNumber", """["latest",false]""").GetProperty("stateRoot").GetString()!);
        Assert.Null(Verify(root, Keccak256.Hash(nobody.Bytes).Bytes, proof.GetProperty("accountProof")));
        Assert.Equal("0x0", proof.GetProperty("balance").GetString());
        Assert.Equal(Keccak256.OfEmpty.ToString(), proof.GetProperty("codeHash").GetString());
        Assert.Equal(Keccak256.EmptyTrieRoot.ToString(), proof.GetProperty("storageHash").GetString());
        Assert.Equal(0, proof.GetProperty("storageProof")[0].GetProperty("proof").GetArrayLength());
    }

    [Fact]
    public void Rejects_bad_keys_and_blocks_outside_the_chain()
    {
        Assert.Contains("storage keys", _chain.Error("eth_getProof", $"""["{Bob}","0x1","latest"]""").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("storage key", _chain.Error("eth_getProof", $"""["{Bob}",["zz"],"latest"]""").GetProperty("message").GetString(), StringComparison.Ordinal);
        _chain.Error("eth_getProof", $"""["{Bob}",[],"0x99"]""");
    }

    private static byte[]? Verify(Hash256 root, ReadOnlySpan<byte> key, JsonElement nodes) =>
        TrieProof.Verify(root, key, nodes.EnumerateArray().Select(n => Hex.Decode(n.GetString()!)).ToList());

    private static byte[] SlotKey(ulong slot)
    {
        var key = new byte[32];
        new UInt256(slot).WriteBigEndian(key);
        return Keccak256.Hash(key).ToArray();
    }
}
