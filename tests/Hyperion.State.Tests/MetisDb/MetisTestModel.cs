using System.Buffers.Binary;
using Hyperion.State.MetisDb;

namespace Hyperion.State.Tests.MetisDb;

/// <summary>A plain in-memory model of the state, with roots computed by full rebuild, to check the store against.</summary>
internal sealed class MetisTestModel
{
    public sealed class ModelAccount
    {
        public ulong Nonce;
        public Key32 Balance;
        public Key32 CodeHash = MetisAccount.EmptyCodeHash;
        public Dictionary<Key32, byte[]> Storage = [];
    }

    public Dictionary<Key32, ModelAccount> Accounts { get; } = [];

    public static Key32 RandomKey(Random random)
    {
        Span<byte> bytes = stackalloc byte[32];
        random.NextBytes(bytes);
        return new Key32(bytes);
    }

    public static Key32 Word(ulong value)
    {
        Span<byte> bytes = stackalloc byte[32];
        bytes.Clear();
        BinaryPrimitives.WriteUInt64BigEndian(bytes[24..], value);
        return new Key32(bytes);
    }

    /// <summary>Random block of changes applied to both the model and the returned change set.</summary>
    public MetisBlockChanges RandomBlock(Random random, int operations, List<Key32> knownAddresses)
    {
        var changes = new MetisBlockChanges();
        for (int i = 0; i < operations; i++)
        {
            Key32 address = knownAddresses.Count > 0 && random.Next(3) > 0
                ? knownAddresses[random.Next(knownAddresses.Count)]
                : NewAddress(random, knownAddresses);
            int action = random.Next(10);
            if (action == 0 && Accounts.ContainsKey(address))
            {
                Accounts.Remove(address);
                changes.DeleteAccount(address);
                if (random.Next(2) == 0)
                {
                    // destroyed and recreated within the block: storage starts empty
                    var fresh = new ModelAccount { Nonce = 1, Balance = Word((ulong)random.Next()) };
                    Accounts[address] = fresh;
                    changes.SetAccount(address, fresh.Nonce, fresh.Balance, fresh.CodeHash);
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
                account.Balance = Word((ulong)random.NextInt64());
                changes.SetAccount(address, account.Nonce, account.Balance, account.CodeHash);
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
        foreach ((Key32 address, MetisBlockChanges.AccountChange change) in changes.Accounts)
        {
            if (change.Destroyed)
            {
                Accounts.Remove(address);
            }

            if (change.AccountSet && change.Account is { } set)
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

            foreach ((Key32 slot, byte[] value) in change.Storage)
            {
                if (value.Length == 0)
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

    private static Key32 NewAddress(Random random, List<Key32> knownAddresses)
    {
        Key32 address = RandomKey(random);
        knownAddresses.Add(address);
        return address;
    }

    private static void SetSlot(Random random, MetisBlockChanges changes, Key32 address, ModelAccount account)
    {
        Key32 slot = account.Storage.Count > 0 && random.Next(3) == 0
            ? account.Storage.Keys.ElementAt(random.Next(account.Storage.Count))
            : Word((ulong)random.Next(64));
        byte[] value = random.Next(4) == 0 ? [] : BitConverter.GetBytes((uint)random.Next(1, int.MaxValue)).Reverse().SkipWhile(b => b == 0).ToArray();
        if (value.Length == 0)
        {
            account.Storage.Remove(slot);
        }
        else
        {
            account.Storage[slot] = value;
        }

        changes.SetStorage(address, slot, value);
    }

    public Key32 StorageRoot(ModelAccount account)
    {
        MerkleLeaf[] leaves = account.Storage
            .Select(pair =>
            {
                var encoded = new byte[TrieNodeRlp.StringLength(pair.Value)];
                TrieNodeRlp.WriteString(encoded, pair.Value);
                return new MerkleLeaf(pair.Key.ToArray(), encoded);
            })
            .OrderBy(leaf => new Key32(leaf.Key))
            .ToArray();
        return new Key32(MerkleNode.Build(leaves, 0).RootHash());
    }

    public Key32 StateRoot()
    {
        MerkleLeaf[] leaves = Accounts
            .Select(pair => new MerkleLeaf(pair.Key.ToArray(),
                new MetisAccount(pair.Value.Nonce, pair.Value.Balance, pair.Value.CodeHash, StorageRoot(pair.Value)).EncodeTrieValue()))
            .OrderBy(leaf => new Key32(leaf.Key))
            .ToArray();
        return new Key32(MerkleNode.Build(leaves, 0).RootHash());
    }

    /// <summary>Frozen copy of what every account and slot holds, for later snapshot checks.</summary>
    public Dictionary<Key32, (ulong Nonce, Key32 Balance, Dictionary<Key32, byte[]> Storage)> Capture() =>
        Accounts.ToDictionary(pair => pair.Key, pair => (pair.Value.Nonce, pair.Value.Balance, new Dictionary<Key32, byte[]>(pair.Value.Storage)));
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
