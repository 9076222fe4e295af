using Hyperion.Core;
using Hyperion.State;

namespace Hyperion.Evm;

/// <summary>The <see cref="IEvmHost"/> of a transaction executing directly on a journaled <see cref="IWorldState"/>.</summary>
public sealed class WorldStateHost : IEvmHost
{
    private readonly IWorldState _state;

    public WorldStateHost(IWorldState state, BlockEnvironment block, TransactionEnvironment transaction)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(block);
        _state = state;
        Block = block;
        Transaction = transaction;
    }

    public BlockEnvironment Block { get; }

    public TransactionEnvironment Transaction { get; private set; }

    /// <summary>The world state this host executes on.</summary>
    internal IWorldState State => _state;

    /// <summary>Points this host at the next transaction on the same state and block (a VM kept for the block's next transaction).</summary>
    internal void Next(TransactionEnvironment transaction) => Transaction = transaction;

    public Hash256 GetBlockHash(ulong number)
    {
        ulong current = Block.Number;
        return number < current && number + 256 >= current && Block.BlockHashes is { } hashes ? hashes.GetBlockHash(number) : Hash256.Zero;
    }

    public bool AccountExists(in Address address) => _state.Exists(address);

    public bool IsDeadAccount(in Address address) => _state.IsDead(address);

    public UInt256 GetBalance(in Address address) => _state.GetBalance(address);

    public ulong GetNonce(in Address address) => _state.GetNonce(address);

    public void SetNonce(in Address address, ulong nonce) => _state.SetNonce(address, nonce);

    public Hash256 GetCodeHash(in Address address) => _state.GetCodeHash(address);

    public byte[] GetCode(in Address address) => _state.GetCode(address);

    public void SetCode(in Address address, byte[] code) => _state.SetCode(address, code);

    public void CreateAccount(in Address address) => _state.CreateAccount(address);

    public void AddBalance(in Address address, in UInt256 amount) => _state.AddBalance(address, amount);

    public void SubtractBalance(in Address address, in UInt256 amount) => _state.SubtractBalance(address, amount);

    public UInt256 GetStorage(in Address address, in UInt256 key) => _state.GetStorage(address, key);

    public UInt256 GetOriginalStorage(in Address address, in UInt256 key) => _state.GetOriginalStorage(address, key);

    public void SetStorage(in Address address, in UInt256 key, in UInt256 value) => _state.SetStorage(address, key, value);

    public bool HasStorage(in Address address) => _state.HasStorage(address);

    public UInt256 GetTransientStorage(in Address address, in UInt256 key) => _state.GetTransientStorage(address, key);

    public void SetTransientStorage(in Address address, in UInt256 key, in UInt256 value) => _state.SetTransientStorage(address, key, value);

    public bool WarmAccount(in Address address) => _state.WarmAccount(address);

    public bool WarmStorage(in Address address, in UInt256 key) => _state.WarmStorage(address, key);

    public UInt256 LoadStorage(in Address address, in UInt256 key, out bool wasCold) => _state.LoadStorage(address, key, out wasCold);

    public void AddLog(Log log) => _state.AddLog(log);

    public long Refund => _state.Refund;

    public void AddRefund(long amount) => _state.AddRefund(amount);

    public void SubtractRefund(long amount) => _state.SubtractRefund(amount);

    public bool MarkSelfDestructed(in Address address) => _state.MarkSelfDestructed(address);

    public bool IsSelfDestructed(in Address address) => _state.IsSelfDestructed(address);

    public bool IsCreatedInTransaction(in Address address) => _state.IsCreatedInTransaction(address);

    public int TakeSnapshot() => _state.TakeSnapshot();

    public void RevertToSnapshot(int snapshot) => _state.RevertToSnapshot(snapshot);
}
