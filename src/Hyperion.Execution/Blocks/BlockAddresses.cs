using Hyperion.Core;
using Hyperion.Evm.Tracing;

namespace Hyperion.Execution.Blocks;

/// <summary>
/// Per transaction of a block, what the Otterscan address index keeps: the addresses its frames touched (every frame's
/// from and to as <see cref="ICallFrameTracer.OnEnter"/> reports them — so a DELEGATECALL or CALLCODE library's
/// account too —, the beneficiary of a SELFDESTRUCT; reverted frames included, as Erigon's index), each once per
/// transaction in the order first touched; and the contracts created by frames that succeeded inside frames that all
/// succeeded, with their creators. Transactions come in block order.
/// </summary>
public sealed class BlockAddresses
{
    public List<(int Index, Address Address)> Touched { get; } = [];

    public List<(int Index, Address Contract, Address Creator)> Created { get; } = [];

    /// <summary>Appends <paramref name="transaction"/>'s entries as those of the block's transaction <paramref name="index"/> (the next in block order).</summary>
    public void Add(int index, TransactionAddresses transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        foreach (Address address in transaction.Touched)
        {
            Touched.Add((index, address));
        }

        foreach ((Address contract, Address creator) in transaction.Created)
        {
            Created.Add((index, contract, creator));
        }
    }
}

/// <summary>
/// One execution's entries of <see cref="BlockAddresses"/>, before its transaction's place in the block is known:
/// what a Block-STM incarnation collected, kept with its record and added to the block only if it is the committed one.
/// </summary>
public sealed record TransactionAddresses(Address[] Touched, (Address Contract, Address Creator)[] Created);

/// <summary>
/// Collects <see cref="BlockAddresses"/> while a block's transactions execute: <see cref="Begin"/> before each one,
/// <see cref="Discard"/> after one the block did not include, or <see cref="Take"/> to keep one execution's entries
/// aside (a whole-block executor, which learns only later which execution of a transaction the block keeps). The block
/// producer's executions are traced by it (so the index need not execute the block again) and so is the index's own
/// re-execution of a block it was not given this for. It watches frames only, so the VM keeps its untraced loop
/// between them. Not thread-safe.
/// </summary>
public sealed class BlockAddressCollector : FrameTracer
{
    private readonly HashSet<Address> _seen = [];
    private readonly List<(bool IsCreate, Address From, Address To, int Created)> _open = [];
    private int _index = -1;
    private int _touchedFrom;
    private int _createdFrom;

    public BlockAddresses Addresses { get; } = new();

    /// <summary>Transaction <paramref name="index"/> of the block executes next (in block order; after a discarded one, the same index again).</summary>
    public void Begin(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        _index = index;
        _touchedFrom = Addresses.Touched.Count;
        _createdFrom = Addresses.Created.Count;
        _seen.Clear();
        _open.Clear();
    }

    /// <summary>Forgets what the transaction begun last touched (it was not included).</summary>
    public void Discard()
    {
        Addresses.Touched.RemoveRange(_touchedFrom, Addresses.Touched.Count - _touchedFrom);
        Addresses.Created.RemoveRange(_createdFrom, Addresses.Created.Count - _createdFrom);
        _seen.Clear();
        _open.Clear();
    }

    /// <summary>What the transaction begun last touched and created, taken out of <see cref="Addresses"/> (its index dropped).</summary>
    public TransactionAddresses Take()
    {
        List<(int Index, Address Address)> touched = Addresses.Touched;
        List<(int Index, Address Contract, Address Creator)> created = Addresses.Created;
        var taken = new TransactionAddresses(new Address[touched.Count - _touchedFrom], new (Address, Address)[created.Count - _createdFrom]);
        for (int i = 0; i < taken.Touched.Length; i++)
        {
            taken.Touched[i] = touched[_touchedFrom + i].Address;
        }

        for (int i = 0; i < taken.Created.Length; i++)
        {
            (_, Address contract, Address creator) = created[_createdFrom + i];
            taken.Created[i] = (contract, creator);
        }

        Discard();
        return taken;
    }

    public override void OnEnter(string type, Address from, Address to, in UInt256 value, ReadOnlySpan<byte> input, long gas, int depth)
    {
        Touch(from);
        Touch(to);
        _open.Add((type is CallFrameTypes.Create or CallFrameTypes.Create2, from, to, Addresses.Created.Count));
    }

    public override void OnExit(long gasUsed, ReadOnlySpan<byte> output, string? error, bool reverted)
    {
        (bool isCreate, Address from, Address to, int created) = _open[^1];
        _open.RemoveAt(_open.Count - 1);
        List<(int, Address, Address)> creations = Addresses.Created;
        if (error is not null)
        {
            creations.RemoveRange(created, creations.Count - created); // a failed frame created nothing
        }
        else if (isCreate)
        {
            creations.Add((_index, to, from));
        }
    }

    private void Touch(Address address)
    {
        if (_seen.Add(address))
        {
            Addresses.Touched.Add((_index, address));
        }
    }
}
