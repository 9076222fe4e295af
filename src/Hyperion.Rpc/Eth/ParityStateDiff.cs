using System.Text.Json.Nodes;
using Hyperion.Core;
using Hyperion.State;
using Hyperion.State.World;

namespace Hyperion.Rpc.Eth;

/// <summary>
/// The "stateDiff" of OpenEthereum/Erigon's trace_call and trace_replay*: per changed account its balance, code, nonce
/// and storage slots, each "=" when unchanged, {"+": new} when the account was born, {"-": old} when it died, or
/// {"*": {"from", "to"}}; storage lists only the slots that changed, each as "*" (as Erigon writes them). Accounts whose fields and slots all stayed the same
/// are left out.
/// </summary>
public static class ParityStateDiff
{
    /// <summary>The diff between <paramref name="before"/> and <paramref name="after"/> over the accounts and slots <paramref name="changes"/> names.</summary>
    public static JsonObject Of(StateChangeSet changes, IStateReader before, IStateReader after)
    {
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var diff = new JsonObject();
        foreach (AccountChange change in changes.Accounts)
        {
            Address address = change.Address;
            bool existed = before.TryGetAccount(address, out Account old);
            bool exists = after.TryGetAccount(address, out Account now);
            if (!existed && !exists)
            {
                continue;
            }

            var storage = new JsonObject();
            foreach ((UInt256 slot, _) in change.Storage)
            {
                UInt256 from = existed ? before.GetStorage(address, slot) : UInt256.Zero;
                UInt256 to = exists ? after.GetStorage(address, slot) : UInt256.Zero;
                if (from != to)
                {
                    storage[Word(slot)] = Changed(Word(from), Word(to)); // always "*" for a slot, as Erigon's
                }
            }

            JsonNode balance = Field(existed, exists, EthFormat.Quantity(old.Balance), EthFormat.Quantity(now.Balance));
            JsonNode nonce = Field(existed, exists, EthFormat.Quantity(old.Nonce), EthFormat.Quantity(now.Nonce));
            JsonNode code = Field(existed, exists, existed ? Hex.Encode(before.GetCode(old.CodeHash)) : "0x", exists ? Hex.Encode(after.GetCode(now.CodeHash)) : "0x");
            if (storage.Count == 0 && balance is JsonValue && nonce is JsonValue && code is JsonValue)
            {
                continue; // "=" everywhere
            }

            diff[address.ToString()] = new JsonObject { ["balance"] = balance, ["code"] = code, ["nonce"] = nonce, ["storage"] = storage };
        }

        return diff;
    }

    private static JsonNode Field(bool existed, bool exists, string from, string to) =>
        !existed ? Born(to) : !exists ? Died(from) : from == to ? JsonValue.Create("=") : Changed(from, to);

    private static JsonObject Born(string value) => new() { ["+"] = value };

    private static JsonObject Died(string value) => new() { ["-"] = value };

    private static JsonObject Changed(string from, string to) => new() { ["*"] = new JsonObject { ["from"] = from, ["to"] = to } };

    private static string Word(UInt256 value)
    {
        Span<byte> bytes = stackalloc byte[32];
        value.WriteBigEndian(bytes);
        return Hex.Encode(bytes);
    }
}
