using Hyperion.Core;
using Hyperion.Evm.Tracing;

namespace Hyperion.Chain;

/// <summary>
/// Per transaction of a block, what <see cref="AddressIndex"/> keeps: the addresses its frames touched (every frame's
/// from and to as <see cref="ICallFrameTracer.OnEnter"/> reports them — so a DELEGATECALL or CALLCODE library's
/// account too —, the beneficiary of a SELFDESTRUCT; reverted frames included, as Erigon's index), each once per
/// transaction in the order first touched; and the contracts created by frames that succeeded inside frames that all
/// succeeded, with their creators. Transactions come in block order.
/// </summary>
public sealed class BlockAddresses
{
    public List<(int Index, Address Address)> Touched { get; } = [];

    public List<(int Index, Address Contract, Address Creator)> Created { get; } = [];
}

/// <summary>
/// Collects <see cref="BlockAddresses"/> while a block's transactions execute: <see cref="Begin"/> before each one,
/// <see cref="Discard"/> after one the block did not include. The block producer's executions are traced by it (so the
/// index need not execute the block again) and so is the index's own re-execution of a block it was not given this
/// for. It watches frames only, so the VM keeps its untraced loop between them. Not thread-safe.
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
