using System.Runtime.InteropServices;
using System.Text.Json;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.State;
using Hyperion.State.World;

namespace Hyperion.Rpc.Eth;

/// <summary>
/// The state override set of eth_call/eth_estimateGas (geth's third parameter): per address a replacement balance,
/// nonce, code, and either the whole storage (<c>state</c>) or some slots (<c>stateDiff</c>).
/// </summary>
public sealed class StateOverrides
{
    private readonly Dictionary<Address, AccountOverride> _accounts = [];

    /// <summary>Parses parameter <paramref name="index"/>; null when it is absent.</summary>
    public static StateOverrides? Parse(RpcParams p, int index)
    {
        return p.Has(index) ? Parse(p[index], $"invalid argument {index}") : null;
    }

    /// <summary>Parses <paramref name="e"/>; errors are invalid params starting with <paramref name="where"/>.</summary>
    public static StateOverrides Parse(JsonElement e, string where)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw RpcException.InvalidParams($"{where}: expected a state override object");
        }

        // A client that sends the same override set on every call (a benchmark, a simulation loop: tens of kilobytes
        // of code as hex) gets the set parsed the first time; the same text parses to the same set, and a set is never
        // changed after parsing, so concurrent calls may share it.
        ReadOnlySpan<byte> text = JsonMarshal.GetRawUtf8Value(e);
        if (ParsedOverrideSets.TryGet(text, out StateOverrides? parsed))
        {
            return parsed;
        }

        var overrides = new StateOverrides();
        try
        {
            foreach (JsonProperty entry in e.EnumerateObject())
            {
                if (!Address.TryParse(entry.Name, out Address address))
                {
                    throw new FormatException($"'{entry.Name}' is not an address");
                }

                if (entry.Value.ValueKind != JsonValueKind.Object)
                {
                    throw new FormatException($"override of {address} must be an object");
                }

                overrides._accounts[address] = AccountOverride.Parse(entry.Value, address);
            }
        }
        catch (FormatException ex)
        {
            throw RpcException.InvalidParams($"{where}: {ex.Message}");
        }

        ParsedOverrideSets.Add(text, overrides);
        return overrides;
    }

    /// <summary>A view of <paramref name="state"/> with the overrides applied.</summary>
    public IStateReader Over(IStateReader state) => new OverriddenState(state, _accounts);

    /// <summary>The overrides as changes to <paramref name="state"/> (for the state root of a state they are applied to).</summary>
    public StateChangeSet ToChanges(IStateReader state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var accounts = new List<AccountChange>(_accounts.Count);
        var code = new SortedDictionary<Hash256, byte[]>();
        foreach ((Address address, AccountOverride o) in _accounts.OrderBy(entry => entry.Key))
        {
            Account account = state.TryGetAccount(address, out Account existing) ? existing : Account.Empty;
            Hash256 codeHash = account.CodeHash;
            if (o.Code is not null)
            {
                codeHash = o.CodeHash!.Value;
                code[codeHash] = o.Code;
            }

            accounts.Add(new AccountChange(
                address, false, o.Nonce ?? account.Nonce, o.Balance ?? account.Balance, codeHash, o.ReplacesStorage,
                o.Storage is null ? [] : [.. o.Storage.OrderBy(slot => slot.Key)]));
        }

        return new StateChangeSet(accounts, [.. code]);
    }

    private sealed record AccountOverride(UInt256? Balance, ulong? Nonce, byte[]? Code, Dictionary<UInt256, UInt256>? Storage, bool ReplacesStorage)
    {
        /// <summary>The hash of <see cref="Code"/>, computed once: the call reads the account and its code many times.</summary>
        public Hash256? CodeHash { get; } = Code is null ? null : OverrideCodeHashes.Of(Code);

        public static AccountOverride Parse(JsonElement e, Address address)
        {
            bool hasState = e.TryGetProperty("state", out JsonElement state) && state.ValueKind != JsonValueKind.Null;
            bool hasDiff = e.TryGetProperty("stateDiff", out JsonElement diff) && diff.ValueKind != JsonValueKind.Null;
            if (hasState && hasDiff)
            {
                throw new FormatException($"account {address} has both 'state' and 'stateDiff'");
            }

            return new AccountOverride(
                HexMember(e, "balance", address) is JsonElement balance ? Quantity256(balance) : null,
                HexMember(e, "nonce", address) is JsonElement nonce ? EthJson.ParseQuantity(nonce.GetString()!) : null,
                HexMember(e, "code", address) is JsonElement code ? EthJson.ParseData(code) : null,
                hasState ? Slots(state) : hasDiff ? Slots(diff) : null,
                hasState);
        }

        /// <summary>A member that must be a hex string when present (absent or null: not overridden).</summary>
        private static JsonElement? HexMember(JsonElement e, string name, Address address) =>
            !e.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null ? null
            : value.ValueKind == JsonValueKind.String ? value
            : throw new FormatException($"account {address}: {name}: expected a hex string, got {value.GetRawText()}");

        private static UInt256 Quantity256(JsonElement e) =>
            e.GetString() is string s && s.StartsWith("0x", StringComparison.Ordinal) && UInt256.TryParse(s, out UInt256 v) ? v : throw new FormatException($"'{e}' is not a hex quantity");

        private static Dictionary<UInt256, UInt256> Slots(JsonElement e)
        {
            if (e.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("'state'/'stateDiff' must map 32-byte slots to 32-byte values");
            }

            var slots = new Dictionary<UInt256, UInt256>();
            foreach (JsonProperty slot in e.EnumerateObject())
            {
                if (!Hash256.TryParse(slot.Name, out Hash256 key) || slot.Value.ValueKind != JsonValueKind.String || !Hash256.TryParse(slot.Value.GetString(), out Hash256 value))
                {
                    throw new FormatException($"storage slot '{slot.Name}' and its value must be 32-byte hex");
                }

                slots[UInt256.FromBigEndian(key.Bytes)] = UInt256.FromBigEndian(value.Bytes);
            }

            return slots;
        }
    }

    /// <summary>
    /// The hashes of override code seen lately: a client that installs the same code on every call (a benchmark, a
    /// simulation loop) would otherwise pay Keccak over its code on each: ~5 µs for the 1.9 KB of evm-bench's swap_math,
    /// 3 % of such a call's CPU (docs/benchmarks.md, s22rpc), where the look-up hashes at most 512 bytes and compares.
    /// Only code of a few Keccak blocks and up (below that hashing is as cheap as the look-up), at most
    /// <see cref="MaxEntries"/> of at most <see cref="MaxCodeBytes"/> each, so the cache stays under a few megabytes
    /// whatever clients send.
    /// </summary>
    private static class OverrideCodeHashes
    {
        private const int MinCodeBytes = 256;
        private const int MaxCodeBytes = 64 * 1024;
        private const int MaxEntries = 64;

        private static readonly System.Collections.Concurrent.ConcurrentDictionary<byte[], Hash256> Hashes = new(ByteContent.Instance);

        public static Hash256 Of(byte[] code)
        {
            if (code.Length is < MinCodeBytes or > MaxCodeBytes)
            {
                return Keccak256.Hash(code);
            }

            if (Hashes.TryGetValue(code, out Hash256 hash))
            {
                return hash;
            }

            hash = Keccak256.Hash(code);
            if (Hashes.Count >= MaxEntries)
            {
                Hashes.Clear();
            }

            Hashes[code] = hash;
            return hash;
        }
    }

    /// <summary>
    /// Override sets parsed lately, keyed by their exact JSON text: a look-up hashes at most 512 bytes of it and compares
    /// the whole text once (a few µs for the 41 KB sets of evm-bench's micro rows), where parsing one decodes and
    /// allocates its code (~5 % of such a call's CPU, docs/benchmarks.md, s30rpc). Only texts of
    /// <see cref="MinTextBytes"/> to <see cref="MaxTextBytes"/>; at most <see cref="MaxEntries"/> sets and
    /// <see cref="MaxChargedBytes"/> charged (twice a text's length: the text kept as the key, and the set parsed from
    /// it, which holds less than its text), so the cache stays under a few megabytes whatever clients send. Full, the
    /// cache starts anew. Look-ups take no lock; additions (misses only) take one, so the charge stays exact.
    /// </summary>
    internal static class ParsedOverrideSets
    {
        internal const int MinTextBytes = 1024;
        internal const int MaxTextBytes = 128 * 1024;
        internal const int MaxEntries = 32;
        internal const long MaxChargedBytes = 4L << 20;

        private static readonly System.Collections.Concurrent.ConcurrentDictionary<byte[], StateOverrides> Sets = new(ByteContent.Instance);
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<byte[], StateOverrides>.AlternateLookup<ReadOnlySpan<byte>> ByText =
            Sets.GetAlternateLookup<ReadOnlySpan<byte>>();

        private static readonly Lock AddLock = new();
        private static long _chargedBytes;

        internal static int Count => Sets.Count;

        internal static long ChargedBytes => Interlocked.Read(ref _chargedBytes);

        public static bool TryGet(ReadOnlySpan<byte> text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out StateOverrides? overrides)
        {
            overrides = null;
            return text.Length is >= MinTextBytes and <= MaxTextBytes && ByText.TryGetValue(text, out overrides);
        }

        public static void Add(ReadOnlySpan<byte> text, StateOverrides overrides)
        {
            if (text.Length is < MinTextBytes or > MaxTextBytes)
            {
                return;
            }

            long charge = 2L * text.Length;
            lock (AddLock)
            {
                if (Sets.Count >= MaxEntries || _chargedBytes + charge > MaxChargedBytes)
                {
                    Sets.Clear();
                    Interlocked.Exchange(ref _chargedBytes, 0);
                }

                if (ByText.TryAdd(text, overrides))
                {
                    Interlocked.Add(ref _chargedBytes, charge);
                }
            }
        }
    }

    private sealed class OverriddenState(IStateReader inner, Dictionary<Address, AccountOverride> accounts) : IStateReader
    {
        public bool TryGetAccount(in Address address, out Account account)
        {
            bool exists = inner.TryGetAccount(address, out account);
            if (!accounts.TryGetValue(address, out AccountOverride? o))
            {
                return exists;
            }

            if (!exists)
            {
                account = Account.Empty;
            }

            account = account with
            {
                Balance = o.Balance ?? account.Balance,
                Nonce = o.Nonce ?? account.Nonce,
                CodeHash = o.CodeHash ?? account.CodeHash,
            };
            return true;
        }

        public UInt256 GetStorage(in Address address, in UInt256 key)
        {
            if (accounts.TryGetValue(address, out AccountOverride? o) && o.Storage is not null)
            {
                if (o.Storage.TryGetValue(key, out UInt256 value))
                {
                    return value;
                }

                if (o.ReplacesStorage)
                {
                    return UInt256.Zero;
                }
            }

            return inner.GetStorage(address, key);
        }

        public byte[] GetCode(in Hash256 codeHash)
        {
            foreach (AccountOverride o in accounts.Values)
            {
                if (o.Code is not null && o.CodeHash == codeHash)
                {
                    return o.Code;
                }
            }

            return inner.GetCode(codeHash);
        }
    }
}
