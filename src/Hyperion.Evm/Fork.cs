namespace Hyperion.Evm;

/// <summary>
/// The Ethereum protocol rule sets MetisVM can execute, in activation order, so a rule that starts at a fork is
/// written <c>fork &gt;= Fork.London</c>. Which rule set a block runs under is the chain spec's decision
/// (Hyperion.Execution.Specs.ChainSpec.ForkAt), never a constant.
/// </summary>
public enum Fork
{
    Berlin = 0,
    London = 1,

    /// <summary>The Merge: PREVRANDAO replaces DIFFICULTY, no block reward.</summary>
    Paris = 2,
    Shanghai = 3,
    Cancun = 4,
}
