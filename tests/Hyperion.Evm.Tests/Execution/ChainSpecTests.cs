using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Execution.Specs;

namespace Hyperion.Evm.Tests.Execution;

public sealed class ChainSpecTests
{
    /// <summary>Paris at block 10, Shanghai at timestamp 1000, Cancun at 2000 (a merged chain's typical shape).</summary>
    private static ChainSpec Schedule() => ChainSpec.AllActiveFrom(7, Hardfork.London) with
    {
        Forks =
        [
            .. ChainSpec.AllActiveFrom(7, Hardfork.London).Forks,
            new ForkActivation(Hardfork.Paris, ForkCondition.Block(10)),
            new ForkActivation(Hardfork.Shanghai, ForkCondition.Timestamp(1000)),
            new ForkActivation(Hardfork.Cancun, ForkCondition.Timestamp(2000)),
        ],
    };

    [Theory]
    [InlineData(0UL, 0UL, Fork.London)]
    [InlineData(9UL, 999UL, Fork.London)]
    [InlineData(10UL, 999UL, Fork.Paris)]
    [InlineData(11UL, 1000UL, Fork.Shanghai)]
    [InlineData(12UL, 1999UL, Fork.Shanghai)]
    [InlineData(13UL, 2000UL, Fork.Cancun)]
    public void ForkAt_follows_the_schedule_by_number_and_timestamp(ulong number, ulong timestamp, Fork expected)
    {
        ChainSpec spec = Schedule();
        Assert.Equal(expected, spec.ForkAt(number, timestamp));
        Assert.Equal(expected >= Fork.Cancun, spec.BlobScheduleAt(number, timestamp) is not null);
        Assert.Equal(expected >= Fork.Cancun, spec.IsActive(Hardfork.Cancun, number, timestamp));
    }

    [Fact]
    public void Forks_MetisVM_does_not_implement_give_a_clear_error()
    {
        ChainSpec istanbul = ChainSpec.AllActiveFrom(1, Hardfork.Istanbul);
        UnsupportedForkException error = Assert.Throws<UnsupportedForkException>(() => istanbul.ForkAt(5, 0));
        Assert.Contains("Istanbul", error.Message, StringComparison.Ordinal);
        Assert.Contains("block 5", error.Message, StringComparison.Ordinal);
        Assert.False(istanbul.TryForkAt(5, 0, out _));

        ChainSpec prague = ChainSpec.AllActiveFrom(1, Hardfork.Prague);
        Assert.Contains("Prague", Assert.Throws<UnsupportedForkException>(() => prague.ForkAt(0, 0)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_chain_that_schedules_an_unimplemented_fork_is_refused_up_front()
    {
        ChainSpec dev = ChainSpec.Dev(1);
        dev.EnsureSupportedFrom(1, 0);
        ChainSpec prague = dev with { Forks = [.. dev.Forks, new ForkActivation(Hardfork.Prague, ForkCondition.Timestamp(5_000))] };
        Assert.Equal(Fork.Cancun, prague.ForkAt(1, 4_999));
        UnsupportedForkException error = Assert.Throws<UnsupportedForkException>(() => prague.EnsureSupportedFrom(1, 0));
        Assert.Contains("Prague at timestamp 5000", error.Message, StringComparison.Ordinal);
        Assert.Throws<UnsupportedForkException>(() => ChainSpec.AllActiveFrom(1, Hardfork.Istanbul).EnsureSupportedFrom(1, 0));
    }

    [Fact]
    public void The_dev_spec_has_every_implemented_fork_at_genesis()
    {
        ChainSpec dev = ChainSpec.Dev(1337);
        Assert.Equal(Enum.GetValues<Fork>().Max(), dev.ForkAt(0, 0));
        Assert.Equal(BlobSchedule.Cancun, dev.BlobScheduleAt(0, 0));
        Assert.Equal(BaseFeeParameters.Ethereum, dev.BaseFeeParametersAt(0, 0));
        Assert.True(dev.TransactionRulesAt(0, 0).AllowBlobTransactions);
    }

    [Fact]
    public void A_rollup_fork_is_one_more_entry_and_does_not_change_the_EVM_rules()
    {
        // Rollup hardforks are appended to the enum by the rollup issue; any value past the Ethereum ones is one.
        var rollupFork = (Hardfork)((int)Hardfork.Prague + 1);
        Assert.False(Hardforks.IsEthereum(rollupFork));
        ChainSpec spec = ChainSpec.Dev(10) with
        {
            Forks = [.. ChainSpec.Dev(10).Forks, new ForkActivation(rollupFork, ForkCondition.Timestamp(50))],
        };
        Assert.False(spec.IsActive(rollupFork, 1, 49));
        Assert.True(spec.IsActive(rollupFork, 1, 50));
        Assert.Equal(spec.ForkAt(1, 49), spec.ForkAt(1, 50));
    }

    [Fact]
    public void Base_fee_follows_the_spec_parameters()
    {
        static BlockHeader Parent(UInt256? baseFee) => new()
        {
            ParentHash = Hash256.Zero, GasLimit = 30_000_000, GasUsed = 30_000_000, BaseFeePerGas = baseFee,
        };
        BlockHeader parent = Parent(1_000_000_000UL);
        ChainSpec ethereum = ChainSpec.Dev(1);
        Assert.Equal((UInt256)1_125_000_000UL, ethereum.NextBaseFee(parent, 1, 1));

        // An OP-stack-like chain: elasticity 6, denominator 50.
        ChainSpec rollup = ethereum with { BaseFeeSchedule = [(Hardfork.London, new BaseFeeParameters(6, 50))] };
        Assert.Equal((UInt256)1_100_000_000UL, rollup.NextBaseFee(parent, 1, 1));

        // The first London block gets the initial base fee; before London there is none.
        Assert.Equal((UInt256)BaseFee.InitialBaseFee, ethereum.NextBaseFee(Parent(null), 1, 1));
        Assert.Null(ChainSpec.AllActiveFrom(1, Hardfork.Berlin).NextBaseFee(parent, 1, 1));
    }

    [Theory]
    [InlineData(Hardfork.London, Hardfork.Berlin)] // out of order
    [InlineData(Hardfork.Cancun, Hardfork.Cancun)] // twice
    public void A_schedule_out_of_order_is_refused(Hardfork first, Hardfork second)
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => new ChainSpec
        {
            ChainId = 1,
            Forks = [.. ChainSpec.AllActiveFrom(1, Hardfork.Istanbul).Forks, new(first, ForkCondition.Block(0)), new(second, ForkCondition.Block(0))],
        });
        Assert.Contains(second.ToString(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_schedule_with_a_gap_or_a_block_fork_after_a_timestamp_fork_is_refused()
    {
        Assert.Contains("Homestead", Assert.Throws<ArgumentException>(() => new ChainSpec
        {
            ChainId = 1,
            Forks = [new(Hardfork.Frontier, ForkCondition.Block(0)), new(Hardfork.London, ForkCondition.Block(0))],
        }).Message, StringComparison.Ordinal);
        Assert.Contains("by block after", Assert.Throws<ArgumentException>(() => new ChainSpec
        {
            ChainId = 1,
            Forks = [.. ChainSpec.AllActiveFrom(1, Hardfork.Paris).Forks.Where(f => f.Fork != Hardfork.Paris),
                new(Hardfork.Paris, ForkCondition.Timestamp(5)), new(Hardfork.Shanghai, ForkCondition.Block(9))],
        }).Message, StringComparison.Ordinal);
        Assert.Contains("activates before", Assert.Throws<ArgumentException>(() => new ChainSpec
        {
            ChainId = 1,
            Forks = [.. ChainSpec.AllActiveFrom(1, Hardfork.Paris).Forks, new(Hardfork.Shanghai, ForkCondition.Timestamp(9)), new(Hardfork.Cancun, ForkCondition.Timestamp(8))],
        }).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Cancun", 0UL, 0UL, Fork.Cancun)]
    [InlineData("Merge", 0UL, 0UL, Fork.Paris)]
    [InlineData("Paris", 0UL, 0UL, Fork.Paris)]
    [InlineData("Berlin", 0UL, 0UL, Fork.Berlin)]
    [InlineData("BerlinToLondonAt5", 4UL, 0UL, Fork.Berlin)]
    [InlineData("BerlinToLondonAt5", 5UL, 0UL, Fork.London)]
    [InlineData("ShanghaiToCancunAtTime15k", 1UL, 14_999UL, Fork.Shanghai)]
    [InlineData("ShanghaiToCancunAtTime15k", 1UL, 15_000UL, Fork.Cancun)]
    public void Fixture_network_names_are_parsed_by_the_spec(string name, ulong number, ulong timestamp, Fork expected)
    {
        Assert.True(FixtureNetworks.TryParse(name, out ChainSpec spec));
        Assert.Equal(expected, spec.ForkAt(number, timestamp));
    }

    [Theory]
    [InlineData("Frontier", true)]
    [InlineData("ConstantinopleFix", true)]
    [InlineData("CancunToPragueAtTime15k", true)]
    [InlineData("Osaka", false)]
    [InlineData("CancunToShanghaiAt5", false)]
    [InlineData("", false)]
    public void Unknown_or_unsupported_fixture_networks(string name, bool known)
    {
        Assert.Equal(known, FixtureNetworks.TryParse(name, out ChainSpec spec));
        if (known)
        {
            // Known but before Berlin or at Prague: MetisVM cannot run it, and says so.
            Assert.False(spec.TryForkAt(0, 20_000, out _));
        }
    }
}
