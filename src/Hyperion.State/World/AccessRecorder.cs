using Hyperion.Core;

namespace Hyperion.State.World;

/// <summary>
/// Every account and storage slot a transaction warms (EIP-2929), in first-access order, including accesses in frames
/// that later revert (their cost was paid all the same): the raw material of eth_createAccessList.
/// </summary>
public sealed class AccessRecorder
{
    private readonly List<Address> _accounts = [];
    private readonly Dictionary<Address, List<UInt256>> _slots = [];
    private readonly HashSet<(Address, UInt256)> _seenSlots = [];

    /// <summary>Recorded accounts in first-access order (an account whose slots were read counts as accessed).</summary>
    public IReadOnlyList<Address> Accounts => _accounts;

    /// <summary>The recorded slots of <paramref name="address"/>, in first-access order.</summary>
    public IReadOnlyList<UInt256> SlotsOf(in Address address) => _slots.TryGetValue(address, out List<UInt256>? slots) ? slots : [];

    public void RecordAccount(in Address address)
    {
        if (_slots.TryAdd(address, []))
        {
            _accounts.Add(address);
        }
    }

    public void RecordSlot(in Address address, in UInt256 key)
    {
        RecordAccount(address);
        if (_seenSlots.Add((address, key)))
        {
            _slots[address].Add(key);
        }
    }
}
