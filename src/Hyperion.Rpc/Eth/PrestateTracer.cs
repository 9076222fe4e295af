using System.Text.Json.Nodes;
using Hyperion.Core;
using Hyperion.Evm.Tracing;
using Hyperion.State;

namespace Hyperion.Rpc.Eth;

/// <summary>
/// geth's prestateTracer: the accounts a transaction touched (sender, recipient, coinbase, every account an instruction
/// reads or calls, self-destructed ones, and created ones that existed before) and the storage slots it read or wrote, as they were before it —
/// or, with diffMode, {pre, post} restricted to what changed (post holds only the changed fields, and no slot set to
/// zero). The tracer records what is touched while the transaction runs; <see cref="Result"/> reads the values from the
/// state before the transaction and (diff mode) after it.
/// </summary>
public sealed class PrestateTracer(Address sender, Address? recipient, Address coinbase) : ICallFrameTracer
{
    private const byte Balance = 0x31;
    private const byte ExtCodeSize = 0x3b;
    private const byte ExtCodeCopy = 0x3c;
    private const byte ExtCodeHash = 0x3f;
    private const byte SLoad = 0x54;
    private const byte SStore = 0x55;
    private const byte Call = 0xf1;
    private const byte CallCode = 0xf2;
    private const byte DelegateCall = 0xf4;
    private const byte StaticCall = 0xfa;
    private const byte SelfDestruct = 0xff;

    private readonly SortedDictionary<Address, SortedSet<UInt256>> _touched = new() { [sender] = [], [coinbase] = [] };
    private readonly Stack<Address> _frames = new();
    private readonly HashSet<Address> _created = [];

    /// <summary>Options of geth's tracerConfig.</summary>
    public bool DiffMode { get; init; }

    public bool DisableCode { get; init; }

    public bool DisableStorage { get; init; }

    public void OnStep(int pc, byte opcode, long gas, long gasCost, long memorySize, ReadOnlySpan<UInt256> stack, int depth, long refund)
    {
        switch (opcode)
        {
            case SLoad or SStore when stack.Length >= 1 && _frames.TryPeek(out Address context):
                Touch(context).Add(stack[^1]);
                break;
            case Balance or ExtCodeSize or ExtCodeCopy or ExtCodeHash or SelfDestruct when stack.Length >= 1:
                Touch(ToAddress(stack[^1]));
                break;
            case Call or CallCode or DelegateCall or StaticCall when stack.Length >= 2:
                Touch(ToAddress(stack[^2]));
                break;
        }
    }

    public void OnStepCost(long gasCost)
    {
    }

    public void OnFault(string error)
    {
    }

    public void OnEnter(string type, Address from, Address to, in UInt256 value, ReadOnlySpan<byte> input, long gas, int depth)
    {
        Touch(from);
        Touch(to);
        _frames.Push(type is CallFrameTypes.DelegateCall or CallFrameTypes.CallCode ? from : to); // whose storage SLOAD/SSTORE reach
        if (type is CallFrameTypes.Create or CallFrameTypes.Create2)
        {
            _created.Add(to);
        }
    }

    public void OnExit(long gasUsed, ReadOnlySpan<byte> output, string? error, bool reverted) => _frames.TryPop(out _);

    /// <summary>The trace: the touched state as it was in <paramref name="before"/>, or with diff mode how <paramref name="after"/> differs from it.</summary>
    public JsonObject Result(IStateReader before, IStateReader after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        if (recipient is Address to)
        {
            Touch(to);
        }

        if (!DiffMode)
        {
            var accounts = new JsonObject();
            foreach ((Address address, SortedSet<UInt256> slots) in _touched)
            {
                // As geth and anvil: a touched account that does not exist shows as empty, unless the transaction created it.
                bool exists = before.TryGetAccount(address, out Account account);
                if (exists || !_created.Contains(address))
                {
                    accounts[address.ToString()] = AccountJson(before, address, exists ? account : new Account(0, UInt256.Zero, Core.Crypto.Keccak256.EmptyTrieRoot, Core.Crypto.Keccak256.OfEmpty), slots);
                }
            }

            return accounts;
        }

        var pre = new JsonObject();
        var post = new JsonObject();
        foreach ((Address address, SortedSet<UInt256> slots) in _touched)
        {
            bool existed = before.TryGetAccount(address, out Account old);
            bool exists = after.TryGetAccount(address, out Account now);
            var changedSlots = new SortedSet<UInt256>(slots.Where(slot => before.GetStorage(address, slot) != after.GetStorage(address, slot)));
            bool changed = existed != exists || old.Balance != now.Balance || old.Nonce != now.Nonce || old.CodeHash != now.CodeHash || changedSlots.Count > 0;
            if (!changed)
            {
                continue;
            }

            if (existed)
            {
                pre[address.ToString()] = AccountJson(before, address, old, changedSlots);
            }

            if (!exists)
            {
                continue;
            }

            var fields = new JsonObject();
            if (!existed || old.Balance != now.Balance)
            {
                fields["balance"] = EthFormat.Quantity(now.Balance);
            }

            if ((!existed || old.Nonce != now.Nonce) && now.Nonce != 0)
            {
                fields["nonce"] = now.Nonce;
            }

            if (!DisableCode && (!existed || old.CodeHash != now.CodeHash) && now.CodeHash != Core.Crypto.Keccak256.OfEmpty)
            {
                fields["code"] = Hex.Encode(after.GetCode(now.CodeHash));
                fields["codeHash"] = now.CodeHash.ToString();
            }

            if (!DisableStorage)
            {
                var storage = new JsonObject();
                foreach (UInt256 slot in changedSlots)
                {
                    UInt256 value = after.GetStorage(address, slot);
                    if (!value.IsZero)
                    {
                        storage[EthFormat.Word(slot)] = EthFormat.Word(value);
                    }
                }

                if (storage.Count > 0)
                {
                    fields["storage"] = storage;
                }
            }

            post[address.ToString()] = fields;
        }

        return new JsonObject { ["post"] = post, ["pre"] = pre };
    }

    private JsonObject AccountJson(IStateReader state, Address address, Account account, IEnumerable<UInt256> slots)
    {
        var json = new JsonObject { ["balance"] = EthFormat.Quantity(account.Balance) };
        if (account.Nonce != 0)
        {
            json["nonce"] = account.Nonce;
        }

        if (!DisableCode && account.CodeHash != Core.Crypto.Keccak256.OfEmpty)
        {
            json["code"] = Hex.Encode(state.GetCode(account.CodeHash));
            json["codeHash"] = account.CodeHash.ToString();
        }

        if (!DisableStorage)
        {
            var storage = new JsonObject();
            foreach (UInt256 slot in slots)
            {
                storage[EthFormat.Word(slot)] = EthFormat.Word(state.GetStorage(address, slot));
            }

            if (storage.Count > 0)
            {
                json["storage"] = storage;
            }
        }

        return json;
    }

    private SortedSet<UInt256> Touch(Address address)
    {
        if (!_touched.TryGetValue(address, out SortedSet<UInt256>? slots))
        {
            slots = [];
            _touched[address] = slots;
        }

        return slots;
    }

    private static Address ToAddress(in UInt256 word)
    {
        Span<byte> bytes = stackalloc byte[32];
        word.WriteBigEndian(bytes);
        return new Address(bytes[12..]);
    }
}
