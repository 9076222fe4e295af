using System.Buffers.Binary;
using System.Collections.Immutable;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.State;
using Hyperion.State.World;

namespace Hyperion.Chain;

/// <summary>
/// One edit of an account's state made outside a block (anvil_setBalance, anvil_setCode, anvil_setNonce,
/// anvil_setStorageAt): the fields given replace the account's, the others are kept. Edits are recorded in the block
/// log as they are made and applied before the next block's transactions, whose state root includes them.
/// </summary>
public sealed record StateEdit(Address Address)
{
    private const byte HasNonce = 1;
    private const byte HasBalance = 2;
    private const byte HasCode = 4;

    public ulong? Nonce { get; init; }

    public UInt256? Balance { get; init; }

    public byte[]? Code { get; init; }

    /// <summary>Slots written (a zero value clears the slot).</summary>
    public IReadOnlyList<KeyValuePair<UInt256, UInt256>> Storage { get; init; } = [];

    /// <summary>Encoding: address · flags · [nonce u64] · [balance 32] · [u32 code length · code] · u32 slots · (key 32 · value 32)*.</summary>
    internal byte[] Encode()
    {
        int length = Address.Size + 1 + (Nonce is null ? 0 : 8) + (Balance is null ? 0 : 32) + (Code is null ? 0 : 4 + Code.Length) + 4 + (Storage.Count * 64);
        var bytes = new byte[length];
        Span<byte> span = bytes;
        Address.CopyTo(span);
        int offset = Address.Size;
        span[offset++] = (byte)((Nonce is null ? 0 : HasNonce) | (Balance is null ? 0 : HasBalance) | (Code is null ? 0 : HasCode));
        if (Nonce is ulong nonce)
        {
            BinaryPrimitives.WriteUInt64BigEndian(span[offset..], nonce);
            offset += 8;
        }

        if (Balance is UInt256 balance)
        {
            balance.WriteBigEndian(span.Slice(offset, 32));
            offset += 32;
        }

        if (Code is byte[] code)
        {
            BinaryPrimitives.WriteInt32BigEndian(span[offset..], code.Length);
            code.CopyTo(span[(offset + 4)..]);
            offset += 4 + code.Length;
        }

        BinaryPrimitives.WriteInt32BigEndian(span[offset..], Storage.Count);
        offset += 4;
        foreach ((UInt256 key, UInt256 value) in Storage)
        {
            key.WriteBigEndian(span.Slice(offset, 32));
            value.WriteBigEndian(span.Slice(offset + 32, 32));
            offset += 64;
        }

        return bytes;
    }

    internal static StateEdit Decode(ReadOnlySpan<byte> span)
    {
        try
        {
            var address = new Address(span[..Address.Size]);
            int offset = Address.Size;
            byte flags = span[offset++];
            ulong? nonce = null;
            UInt256? balance = null;
            byte[]? code = null;
            if ((flags & HasNonce) != 0)
            {
                nonce = BinaryPrimitives.ReadUInt64BigEndian(span[offset..]);
                offset += 8;
            }

            if ((flags & HasBalance) != 0)
            {
                balance = UInt256.FromBigEndian(span.Slice(offset, 32));
                offset += 32;
            }

            if ((flags & HasCode) != 0)
            {
                int codeLength = BinaryPrimitives.ReadInt32BigEndian(span[offset..]);
                code = span.Slice(offset + 4, codeLength).ToArray();
                offset += 4 + codeLength;
            }

            int slots = BinaryPrimitives.ReadInt32BigEndian(span[offset..]);
            offset += 4;
            if (slots < 0 || offset + ((long)slots * 64) != span.Length)
            {
                throw new InvalidDataException("state edit: slot count does not match the record length");
            }

            var storage = new KeyValuePair<UInt256, UInt256>[slots];
            for (int i = 0; i < slots; i++)
            {
                storage[i] = new(UInt256.FromBigEndian(span.Slice(offset, 32)), UInt256.FromBigEndian(span.Slice(offset + 32, 32)));
                offset += 64;
            }

            return new StateEdit(address) { Nonce = nonce, Balance = balance, Code = code, Storage = storage };
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            // A slice past the end throws the first, a single byte read past the end (the flags) the second.
            throw new InvalidDataException("state edit: record too short");
        }
    }
}

/// <summary>
/// The edits made since the head block, layered over the head's state: what reads of the latest state see and what the
/// next block executes on. Immutable; each edit gives a new overlay. Accounts are resolved against the base state when
/// edited, which is the head's state until the next block (that block then takes the edits in, and the overlay is
/// dropped).
/// </summary>
public sealed class EditedState
{
    private readonly ImmutableSortedDictionary<Address, EditedAccount> _accounts;
    private readonly ImmutableDictionary<Hash256, byte[]> _code;

    private EditedState(ulong head, ImmutableList<StateEdit> edits, ImmutableSortedDictionary<Address, EditedAccount> accounts, ImmutableDictionary<Hash256, byte[]> code)
    {
        Head = head;
        Edits = edits;
        _accounts = accounts;
        _code = code;
    }

    /// <summary>No edits over the state after block <paramref name="head"/>.</summary>
    public static EditedState None(ulong head) =>
        new(head, [], ImmutableSortedDictionary<Address, EditedAccount>.Empty, ImmutableDictionary<Hash256, byte[]>.Empty);

    /// <summary><paramref name="edits"/> made in order over the state after block <paramref name="head"/>, <paramref name="baseState"/>.</summary>
    public static EditedState Of(ulong head, IEnumerable<StateEdit> edits, IStateReader baseState)
    {
        ArgumentNullException.ThrowIfNull(edits);
        EditedState state = None(head);
        foreach (StateEdit edit in edits)
        {
            state = state.With(edit, baseState);
        }

        return state;
    }

    /// <summary>The block whose state the edits apply to.</summary>
    public ulong Head { get; }

    /// <summary>The edits in the order they were made (as the log records them).</summary>
    public ImmutableList<StateEdit> Edits { get; }

    public bool IsEmpty => Edits.IsEmpty;

    /// <summary>This overlay with <paramref name="edit"/> applied on top, resolving untouched fields against <paramref name="baseState"/>.</summary>
    public EditedState With(StateEdit edit, IStateReader baseState)
    {
        ArgumentNullException.ThrowIfNull(edit);
        ArgumentNullException.ThrowIfNull(baseState);
        EditedAccount current = _accounts.TryGetValue(edit.Address, out EditedAccount? edited)
            ? edited
            : baseState.TryGetAccount(edit.Address, out Account account)
                ? new EditedAccount(account.Nonce, account.Balance, account.CodeHash, ImmutableSortedDictionary<UInt256, UInt256>.Empty)
                : new EditedAccount(0, UInt256.Zero, Keccak256.OfEmpty, ImmutableSortedDictionary<UInt256, UInt256>.Empty);
        ImmutableDictionary<Hash256, byte[]> code = _code;
        Hash256 codeHash = current.CodeHash;
        if (edit.Code is byte[] newCode)
        {
            codeHash = Keccak256.Hash(newCode);
            if (newCode.Length > 0)
            {
                code = code.SetItem(codeHash, newCode);
            }
        }

        ImmutableSortedDictionary<UInt256, UInt256> storage = current.Storage.SetItems(edit.Storage);
        var next = new EditedAccount(edit.Nonce ?? current.Nonce, edit.Balance ?? current.Balance, codeHash, storage);
        return new EditedState(Head, Edits.Add(edit), _accounts.SetItem(edit.Address, next), code);
    }

    /// <summary>A reader of <paramref name="baseState"/> with the edits on top.</summary>
    public IStateReader Over(IStateReader baseState) => IsEmpty ? baseState : new Reader(this, baseState);

    /// <summary>
    /// A block's changes (executed on <see cref="Over"/> the base) with the edits folded in, so the block's state root
    /// includes them: an account the block changed keeps the block's account fields, and its storage is the edits'
    /// slots overwritten by the block's (unless the block cleared the storage, which then holds only the block's).
    /// </summary>
    public StateChangeSet Merge(StateChangeSet blockChanges)
    {
        ArgumentNullException.ThrowIfNull(blockChanges);
        if (IsEmpty)
        {
            return blockChanges;
        }

        var byAddress = new SortedDictionary<Address, AccountChange>();
        foreach ((Address address, EditedAccount edited) in _accounts)
        {
            byAddress[address] = new AccountChange(address, false, edited.Nonce, edited.Balance, edited.CodeHash, false, [.. edited.Storage]);
        }

        foreach (AccountChange change in blockChanges.Accounts)
        {
            if (!change.Deleted && !change.StorageCleared && _accounts.TryGetValue(change.Address, out EditedAccount? edited))
            {
                ImmutableSortedDictionary<UInt256, UInt256> storage = edited.Storage.SetItems(change.Storage);
                byAddress[change.Address] = change with { Storage = [.. storage] };
            }
            else
            {
                byAddress[change.Address] = change;
            }
        }

        var code = new SortedDictionary<Hash256, byte[]>(_code);
        foreach ((Hash256 hash, byte[] bytes) in blockChanges.Code)
        {
            code[hash] = bytes;
        }

        return new StateChangeSet([.. byAddress.Values], [.. code]);
    }

    private sealed record EditedAccount(ulong Nonce, UInt256 Balance, Hash256 CodeHash, ImmutableSortedDictionary<UInt256, UInt256> Storage);

    /// <summary>
    /// The edited accounts over the base. An edited account reports the base's storage root: it is recomputed when the
    /// next block commits the edits.
    /// </summary>
    private sealed class Reader(EditedState edits, IStateReader baseState) : IStateReader
    {
        public bool TryGetAccount(in Address address, out Account account)
        {
            if (edits._accounts.TryGetValue(address, out EditedAccount? edited))
            {
                Hash256 storageRoot = baseState.TryGetAccount(address, out Account baseAccount) ? baseAccount.StorageRoot : Keccak256.EmptyTrieRoot;
                account = new Account(edited.Nonce, edited.Balance, storageRoot, edited.CodeHash);
                return true;
            }

            return baseState.TryGetAccount(address, out account);
        }

        public UInt256 GetStorage(in Address address, in UInt256 key) =>
            edits._accounts.TryGetValue(address, out EditedAccount? edited) && edited.Storage.TryGetValue(key, out UInt256 value)
                ? value
                : baseState.GetStorage(address, key);

        public byte[] GetCode(in Hash256 codeHash) =>
            edits._code.TryGetValue(codeHash, out byte[]? code) ? code : baseState.GetCode(codeHash);
    }
}
