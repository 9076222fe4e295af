using Hyperion.Execution.Parallel;
using Xunit;

namespace Hyperion.Evm.Tests.Execution.Parallel;

public class BlockStmSchedulerTests
{
    /// <summary>
    /// Drives the scheduler as one worker would, aborting the first validation of every transaction in
    /// <paramref name="aborted"/>; the conflict verdict after each task.
    /// </summary>
    private static List<bool> Drive(BlockStmScheduler scheduler, Func<int, bool> aborted)
    {
        var verdicts = new List<bool>();
        var abortedOnce = new HashSet<int>();
        StmTask? task = null;
        while (!scheduler.Done)
        {
            if (task is not { } current)
            {
                task = scheduler.NextTask();
                continue;
            }

            if (current.IsValidation)
            {
                bool abort = aborted(current.Index) && abortedOnce.Add(current.Index) && scheduler.TryValidationAbort(current.Index, current.Incarnation);
                task = scheduler.FinishValidation(current.Index, abort);
            }
            else
            {
                task = scheduler.FinishExecution(current.Index, current.Incarnation, wroteNewLocation: true);
            }

            verdicts.Add(scheduler.MostlyConflicts);
        }

        return verdicts;
    }

    [Fact]
    public void A_block_whose_every_transaction_aborts_once_is_judged_mostly_conflicts_after_the_sample()
    {
        var scheduler = new BlockStmScheduler(64);
        List<bool> verdicts = Drive(scheduler, _ => true);

        Assert.False(verdicts[0]);               // too few incarnations to judge
        Assert.True(verdicts[^1]);               // two incarnations per transaction, one conflict each
        Assert.True(scheduler.MostlyConflicts);
    }

    [Fact]
    public void A_block_with_few_conflicts_is_not()
    {
        var independent = new BlockStmScheduler(64);
        Assert.DoesNotContain(true, Drive(independent, _ => false));

        // One in eight aborted (a swap mix's shared pairs): well under a third.
        var mixed = new BlockStmScheduler(64);
        Assert.DoesNotContain(true, Drive(mixed, index => index % 8 == 0));
    }
}
