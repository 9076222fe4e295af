using Hyperion.Core;
using Hyperion.Core.Transactions;
using Hyperion.Execution.Parallel;
using static Hyperion.Evm.Tests.Execution.Parallel.ContiguousChunksTests;
using static Hyperion.Evm.Tests.Execution.Parallel.ParallelExecutorPropertyTests;

namespace Hyperion.Evm.Tests.Execution.Parallel;

/// <summary>The hot contracts' lane: which transactions go into it, when there is none, how contracts come and go.</summary>
public sealed class HotContractsTests
{
    private static List<(Transaction, Address)> Transactions(params Address?[] to) =>
        [.. to.Select((address, i) => (Tx(0, address, []), Addr(0x2000 + i)))];

    [Fact]
    public void The_lane_is_the_transactions_to_the_contracts_held_when_two_to_an_even_share()
    {
        Address hot = Addr(0x1100), other = Addr(0x1200);
        var contracts = new HotContracts();
        Assert.Null(contracts.Lane(Transactions(hot, hot, other, other), 2, out int laned));
        contracts.Learn(hot);

        bool[]? lane = contracts.Lane(Transactions(hot, other, null, hot, other, other), 2, out laned);
        Assert.Equal([true, false, false, true, false, false], lane!);
        Assert.Equal(2, laned);

        // One transaction to it: nothing to keep together. More than an even share: not worth a lane. One thread: none.
        Assert.Null(contracts.Lane(Transactions(hot, other, other, other), 2, out laned));
        Assert.Null(contracts.Lane(Transactions(hot, hot, hot, other), 2, out laned));
        Assert.Null(contracts.Lane(Transactions(hot, hot, other, other), 1, out laned));
        Assert.Equal(0, laned);
    }

    [Fact]
    public void A_contract_idle_for_too_many_blocks_is_dropped_and_a_full_set_gives_way_to_its_least_recently_used()
    {
        Address[] contracts = [.. Enumerable.Range(0, HotContracts.Capacity + 1).Select(i => Addr(0x1100 + i))];
        var hot = new HotContracts();
        for (int i = 0; i < HotContracts.Capacity; i++)
        {
            hot.Learn(contracts[i]);
        }

        // The first kept busy (two transactions a block), the others idle: past the limit only the first is left.
        for (int block = 0; block <= HotContracts.MaxIdleBlocks; block++)
        {
            hot.Lane(Transactions(contracts[0], contracts[0], null, null), 2, out _);
        }

        hot.Lane(Transactions(contracts[0], contracts[0], null, null), 2, out _);
        Assert.Equal([contracts[0]], hot.Addresses);

        // Full: the next one learned replaces the least recently used (the first was just used).
        for (int i = 1; i <= HotContracts.Capacity; i++)
        {
            hot.Lane(Transactions(null, null), 2, out _);
            hot.Learn(contracts[i]);
        }

        Assert.Equal(HotContracts.Capacity, hot.Addresses.Count);
        Assert.DoesNotContain(contracts[0], hot.Addresses);
        Assert.Contains(contracts[HotContracts.Capacity], hot.Addresses);
    }
}
