using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Core.Rlp;
using Hyperion.State;
using Hyperion.Trie;

namespace Hyperion.MetisDb.Tests;

/// <summary>A plain in-memory model of the state, with roots rebuilt by Hyperion.Trie's in-memory trie, to check the store against.</summary>
internal sealed class MetisTestModel
{
    public sealed class ModelAccount
    {
        public ulong Nonce;
        public UInt256 Balance;
        public Hash256 CodeHash = Keccak256.OfEmpty;
        public Dictionary<Hash256, UInt256> Storage = [];
    }

    public Dictionary<Hash256, ModelAccount> Accounts { get; } = [];

    public static Hash256 RandomKey(Random random)
    {
        Span<byte> bytes = stackalloc byte[32];
        random.NextBytes(bytes);
        return new Hash256(bytes);
    }

    /// <summary>A hashed key with only its last bytes set (distinct small keys that share long prefixes).</summary>
    public static Hash256 Word(ulong value)
    {
        Span<byte> bytes = stackalloc byte[32];
        bytes.Clear();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes[24..], value);
        return new Hash256(bytes);
    }

    /// <summary>Random block of changes applied to both the model and the returned change set.</summary>
    public MetisBlockChanges RandomBlock(Random random, int operations, List<Hash256> knownAddresses)
    {
        var changes = new MetisBlockChanges();
        for (int i = 0; i < operations; i++)
        {
            Hash256 address = knownAddresses.Count > 0 && random.Next(3) > 0
                ? knownAddresses[random.Next(knownAddresses.Count)]
                : NewAddress(random, knownAddresses);
            int action = random.Next(10);
            if (action == 0 && Accounts.ContainsKey(address))
            {
                Accounts.Remove(address);
                changes.DeleteAccountByHash(address);
                if (random.Next(2) == 0)
                {
                    // destroyed and recreated within the block: storage starts empty
                    var fresh = new ModelAccount { Nonce = 1, Balance = (ulong)random.Next() };
                    Accounts[address] = fresh;
                    changes.SetAccountByHash(address, fresh.Nonce, fresh.Balance, fresh.CodeHash);
                    SetSlot(random, changes, address, fresh);
                }
            }
            else if (action < 5 || !Accounts.ContainsKey(address))
            {
                if (!Accounts.TryGetValue(address, out ModelAccount? account))
                {
                    account = new ModelAccount();
                    Accounts[address] = account;
                }

                account.Nonce++;
                account.Balance = (ulong)random.NextInt64();
                changes.SetAccountByHash(address, account.Nonce, account.Balance, account.CodeHash);
            }
            else if (Accounts.TryGetValue(address, out ModelAccount? existing))
            {
                SetSlot(random, changes, address, existing);
            }
        }

        return changes;
    }

    /// <summary>Applies a change set built elsewhere (e.g. <see cref="MetisCrashWorkload"/>).</summary>
    public void Apply(MetisBlockChanges changes)
    {
        foreach ((Hash256 address, MetisBlockChanges.AccountChange change) in changes.Accounts)
        {
            if (change.Destroyed)
            {
                Accounts.Remove(address);
            }

            if (change.Account is { } set)
            {
                if (!Accounts.TryGetValue(address, out ModelAccount? account))
                {
                    account = new ModelAccount();
                    Accounts[address] = account;
                }

                account.Nonce = set.Nonce;
                account.Balance = set.Balance;
                account.CodeHash = set.CodeHash;
            }

            foreach ((Hash256 slot, UInt256 value) in change.Storage)
            {
                if (value.IsZero)
                {
                    Accounts[address].Storage.Remove(slot);
                }
                else
                {
                    Accounts[address].Storage[slot] = value;
                }
            }
        }
    }

    private static Hash256 NewAddress(Random random, List<Hash256> knownAddresses)
    {
        Hash256 address = RandomKey(random);
        knownAddresses.Add(address);
        return address;
    }

    private static void SetSlot(Random random, MetisBlockChanges changes, Hash256 address, ModelAccount account)
    {
        Hash256 slot = account.Storage.Count > 0 && random.Next(3) == 0
            ? account.Storage.Keys.ElementAt(random.Next(account.Storage.Count))
            : Word((ulong)random.Next(64));
        UInt256 value = random.Next(4) == 0 ? UInt256.Zero : (ulong)random.Next(1, int.MaxValue);
        if (value.IsZero)
        {
            account.Storage.Remove(slot);
        }
        else
        {
            account.Storage[slot] = value;
        }

        changes.SetStorageByHash(address, slot, value);
    }

    /// <summary>The storage trie leaf: RLP of the value's big-endian bytes without leading zeros.</summary>
    public static byte[] SlotLeaf(in UInt256 value) => Rlp.EncodeBytes(value.ToBigEndian().AsSpan(32 - value.ByteLength));

    public static Hash256 StorageRoot(ModelAccount account) =>
        PatriciaTrie.FromEntries(account.Storage.Select(pair => new KeyValuePair<byte[], byte[]>(pair.Key.ToArray(), SlotLeaf(pair.Value)))).RootHash;

    public Hash256 StateRoot() =>
        PatriciaTrie.FromEntries(Accounts.Select(pair => new KeyValuePair<byte[], byte[]>(pair.Key.ToArray(),
            AccountRlp.Encode(new Account(pair.Value.Nonce, pair.Value.Balance, StorageRoot(pair.Value), pair.Value.CodeHash))))).RootHash;

    /// <summary>Frozen copy of what every account and slot holds, for later snapshot checks.</summary>
    public Dictionary<Hash256, (ulong Nonce, UInt256 Balance, Dictionary<Hash256, UInt256> Storage)> Capture() =>
        Accounts.ToDictionary(pair => pair.Key, pair => (pair.Value.Nonce, pair.Value.Balance, new Dictionary<Hash256, UInt256>(pair.Value.Storage)));
}

internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Path = Directory.CreateTempSubdirectory("metisdb-").FullName;

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a leftover temp directory is harmless
        }
    }
}
