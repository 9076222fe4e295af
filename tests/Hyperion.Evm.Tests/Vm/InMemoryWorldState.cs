using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.State;

namespace Hyperion.Evm.Tests.Vm;

/// <summary>
/// A small journaled <see cref="IWorldState"/> for interpreter tests: dictionaries plus an undo list. Original
/// storage is what <see cref="SetCommittedStorage"/> set up before the transaction.
/// </summary>
internal sealed class InMemoryWorldState : IWorldState
{
    private sealed class Entry
    {
        public ulong Nonce;
        public UInt256 Balance;
        public byte[] Code = [];
    }

    private readonly Dictionary<Address, Entry> _accounts = [];
    private readonly Dictionary<(Address, UInt256), UInt256> _storage = [];
    private readonly Dictionary<(Address, UInt256), UInt256> _committed = [];
    private readonly Dictionary<(Address, UInt256), UInt256> _transient = [];
    private readonly HashSet<Address> _warmAccounts = [];
    private readonly HashSet<(Address, UInt256)> _warmSlots = [];
    private readonly HashSet<Address> _touched = [];
    private readonly HashSet<Address> _destructed = [];
    private readonly HashSet<Address> _created = [];
    private readonly List<Log> _logs = [];
    private readonly List<Action> _undo = [];
    private long _refund;

    public void SetAccount(Address address, UInt256 balance, byte[]? code = null, ulong nonce = 0) =>
        _accounts[address] = new Entry { Balance = balance, Code = code ?? [], Nonce = nonce };

    public void SetCommittedStorage(Address address, UInt256 key, UInt256 value)
    {
        _storage[(address, key)] = value;
        _committed[(address, key)] = value;
    }

    public IReadOnlyCollection<Address> Touched => _touched;

    public bool Exists(in Address address) => _accounts.ContainsKey(address);

    public bool IsDead(in Address address) =>
        !_accounts.TryGetValue(address, out Entry? e) || (e.Nonce == 0 && e.Balance.IsZero && e.Code.Length == 0);

    public UInt256 GetBalance(in Address address) => _accounts.TryGetValue(address, out Entry? e) ? e.Balance : UInt256.Zero;

    public ulong GetNonce(in Address address) => _accounts.TryGetValue(address, out Entry? e) ? e.Nonce : 0;

    public Hash256 GetCodeHash(in Address address) =>
        _accounts.TryGetValue(address, out Entry? e) ? Keccak256.Hash(e.Code) : Hash256.Zero;

    public byte[] GetCode(in Address address) => _accounts.TryGetValue(address, out Entry? e) ? e.Code : [];

    public void CreateAccount(in Address address)
    {
        Address a = address;
        UInt256 balance = GetBalance(a);
        Entry? previous = _accounts.GetValueOrDefault(a);
        List<KeyValuePair<(Address, UInt256), UInt256>> clearedSlots = [.. _storage.Where(kv => kv.Key.Item1 == a)];
        foreach (var kv in clearedSlots)
        {
            _storage.Remove(kv.Key);
        }

        _accounts[a] = new Entry { Balance = balance };
        bool wasCreated = _created.Add(a);
        _undo.Add(() =>
        {
            if (previous is null)
            {
                _accounts.Remove(a);
            }
            else
            {
                _accounts[a] = previous;
            }

            foreach (var kv in clearedSlots)
            {
                _storage[kv.Key] = kv.Value;
            }

            if (wasCreated)
            {
                _created.Remove(a);
            }
        });
    }

    private Entry GetOrCreate(Address a)
    {
        if (!_accounts.TryGetValue(a, out Entry? e))
        {
            e = new Entry();
            _accounts[a] = e;
            _undo.Add(() => _accounts.Remove(a));
        }

        return e;
    }

    public void AddBalance(in Address address, in UInt256 amount)
    {
        Entry e = GetOrCreate(address);
        UInt256 before = e.Balance;
        e.Balance = before + amount;
        Touch(address);
        _undo.Add(() => e.Balance = before);
    }

    public void SubtractBalance(in Address address, in UInt256 amount)
    {
        Entry e = GetOrCreate(address);
        UInt256 before = e.Balance;
        e.Balance = before - amount;
        Touch(address);
        _undo.Add(() => e.Balance = before);
    }

    public void SetNonce(in Address address, ulong nonce)
    {
        Entry e = GetOrCreate(address);
        ulong before = e.Nonce;
        e.Nonce = nonce;
        _undo.Add(() => e.Nonce = before);
    }

    public void SetCode(in Address address, byte[] code)
    {
        Entry e = GetOrCreate(address);
        byte[] before = e.Code;
        e.Code = code;
        _undo.Add(() => e.Code = before);
    }

    public void Touch(in Address address)
    {
        Address a = address;
        if (_touched.Add(a))
        {
            _undo.Add(() => _touched.Remove(a));
        }
    }

    public UInt256 GetStorage(in Address address, in UInt256 key) => _storage.GetValueOrDefault((address, key));

    public UInt256 GetOriginalStorage(in Address address, in UInt256 key) => _committed.GetValueOrDefault((address, key));

    public bool HasStorage(in Address address)
    {
        foreach (((Address owner, UInt256 _), UInt256 value) in _storage)
        {
            if (owner == address && !value.IsZero)
            {
                return true;
            }
        }

        return false;
    }

    public void SetStorage(in Address address, in UInt256 key, in UInt256 value) => SetJournaled(_storage, (address, key), value);

    public UInt256 GetTransientStorage(in Address address, in UInt256 key) => _transient.GetValueOrDefault((address, key));

    public void SetTransientStorage(in Address address, in UInt256 key, in UInt256 value) => SetJournaled(_transient, (address, key), value);

    private void SetJournaled(Dictionary<(Address, UInt256), UInt256> map, (Address, UInt256) k, UInt256 value)
    {
        bool had = map.TryGetValue(k, out UInt256 before);
        map[k] = value;
        _undo.Add(() =>
        {
            if (had)
            {
                map[k] = before;
            }
            else
            {
                map.Remove(k);
            }
        });
    }

    public bool WarmAccount(in Address address)
    {
        Address a = address;
        if (!_warmAccounts.Add(a))
        {
            return false;
        }

        _undo.Add(() => _warmAccounts.Remove(a));
        return true;
    }

    public bool WarmStorage(in Address address, in UInt256 key)
    {
        (Address, UInt256) k = (address, key);
        if (!_warmSlots.Add(k))
        {
            return false;
        }

        _undo.Add(() => _warmSlots.Remove(k));
        return true;
    }

    public void AddLog(Log log)
    {
        _logs.Add(log);
        _undo.Add(() => _logs.RemoveAt(_logs.Count - 1));
    }

    public IReadOnlyList<Log> Logs => _logs;

    /// <summary>Every account (nonce, balance, code hash), storage slot and log as sorted text, to compare two runs.</summary>
    public string Describe()
    {
        var lines = new List<string>();
        lines.AddRange(_accounts.Select(a => $"account {a.Key} nonce={a.Value.Nonce} balance={a.Value.Balance} code={Keccak256.Hash(a.Value.Code)}"));
        lines.AddRange(_storage.Where(s => !s.Value.IsZero).Select(s => $"storage {s.Key.Item1} {s.Key.Item2}={s.Value}"));
        lines.AddRange(_transient.Where(s => !s.Value.IsZero).Select(s => $"transient {s.Key.Item1} {s.Key.Item2}={s.Value}"));
        lines.AddRange(_destructed.Select(a => $"destructed {a}"));
        lines.Sort(StringComparer.Ordinal);
        lines.AddRange(_logs.Select(l => $"log {l.Address} {string.Join(",", l.Topics)} {Convert.ToHexString(l.Data.Span)}"));
        lines.Add($"refund {_refund}");
        return string.Join("\n", lines);
    }

    public long Refund => _refund;

    public void AddRefund(long amount)
    {
        _refund += amount;
        _undo.Add(() => _refund -= amount);
    }

    public void SubtractRefund(long amount)
    {
        _refund -= amount;
        _undo.Add(() => _refund += amount);
    }

    public bool MarkSelfDestructed(in Address address)
    {
        Address a = address;
        if (!_destructed.Add(a))
        {
            return false;
        }

        _undo.Add(() => _destructed.Remove(a));
        return true;
    }

    public bool IsSelfDestructed(in Address address) => _destructed.Contains(address);

    public bool IsCreatedInTransaction(in Address address) => _created.Contains(address);

    public int TakeSnapshot() => _undo.Count;

    public void RevertToSnapshot(int snapshot)
    {
        for (int i = _undo.Count - 1; i >= snapshot; i--)
        {
            _undo[i]();
        }

        _undo.RemoveRange(snapshot, _undo.Count - snapshot);
    }

    public void FinishTransaction(bool deleteTouchedEmpty)
    {
        foreach (Address a in _destructed)
        {
            _accounts.Remove(a);
        }

        if (deleteTouchedEmpty)
        {
            foreach (Address a in _touched)
            {
                if (Exists(a) && IsDead(a))
                {
                    _accounts.Remove(a);
                }
            }
        }

        _undo.Clear();
        _warmAccounts.Clear();
        _warmSlots.Clear();
        _transient.Clear();
        _touched.Clear();
        _destructed.Clear();
        _created.Clear();
        _logs.Clear();
        _refund = 0;
        foreach (var kv in _storage)
        {
            _committed[kv.Key] = kv.Value;
        }
    }
}
