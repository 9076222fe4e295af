using Hyperion.Execution.Parallel;
using Xunit;

namespace Hyperion.Evm.Tests.Execution.Parallel;

public class BlockStmSchedulerTests
{
    /// <summary>
    /// Drives the scheduler as one worker would, aborting the first validation of every transaction in
    /// <paramref name="aborted"/>; the conflict verdict after each task.
    /// </summary>
    private static List<bool> Drive(BlockStmScheduler scheduler, Func<int, bool> aborted, (int, int) mark = default)
    {
        var verdicts = new List<bool>();
        var abortedOnce = new HashSet<int>();
        StmTask? task = null;
        while (!scheduler.Done)
        {
            if (task is not { } current)
            {
                task = scheduler.NextTask(0);
                continue;
            }

            if (current.IsValidation)
            {
                bool abort = aborted(current.Index) && abortedOnce.Add(current.Index) && scheduler.TryValidationAbort(current.Index, current.Incarnation);
                task = scheduler.FinishValidation(0, current.Index, abort);
            }
            else
            {
                task = scheduler.FinishExecution(0, current.Index, current.Incarnation, wroteNewLocation: true);
            }

            verdicts.Add(scheduler.MostlyConflictsSince(mark));
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
        Assert.True(scheduler.MostlyConflictsSince(default));
    }

    [Fact]
    public void Conflicts_are_judged_from_the_mark_not_diluted_by_the_conflict_free_work_before_it()
    {
        // 96 conflict-free transactions, then 32 that each abort once: 32 conflicts in the block's 160 incarnations
        // (a fifth), but 32 in the 64 since a helper that joined after the 96th (half).
        var scheduler = new BlockStmScheduler(128);
        List<bool> sinceMark = Drive(scheduler, index => index >= 96, mark: (96, 0));
        Assert.False(scheduler.MostlyConflictsSince(default));
        Assert.True(sinceMark[^1]);
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

    [Fact]
    public void The_block_is_not_done_while_another_worker_holds_a_task()
    {
        // Both indices past the end while worker 0 executes the last transaction: worker 1 finds nothing to take, and
        // the block must not end under worker 0 (whose task may still abort and send the indices back).
        var scheduler = new BlockStmScheduler(1, workers: 2);
        StmTask execution = scheduler.NextTask(0)!.Value;
        Assert.False(execution.IsValidation);
        Assert.Null(scheduler.NextTask(1));
        Assert.False(scheduler.Done);

        Assert.Null(scheduler.FinishExecution(0, execution.Index, execution.Incarnation, wroteNewLocation: true));
        StmTask validation = scheduler.NextTask(1)!.Value;
        Assert.True(validation.IsValidation);
        Assert.Null(scheduler.NextTask(0));
        Assert.False(scheduler.Done);

        Assert.Null(scheduler.FinishValidation(1, validation.Index, aborted: false));
        Assert.Null(scheduler.NextTask(0));
        Assert.True(scheduler.Done);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Workers_on_independent_transactions_validate_each_transaction_once(int workers)
    {
        // The workers in turn spend a step on their task or take the next (a validation takes one step, an execution
        // two to eight: transactions of uneven cost), and a first incarnation writes new locations. A worker finds the
        // others' transactions executing and later ones executed: a validation index that passed the former and
        // validated the latter was sent back by each when it finished, and what it validated was validated again.
        const int count = 64;
        var scheduler = new BlockStmScheduler(count, workers);
        var held = new StmTask?[workers];
        int[] stepsLeft = new int[workers];
        var validated = new int[count];
        for (int step = 0; !scheduler.Done && step < 100_000; step++)
        {
            int worker = step % workers;
            if (held[worker] is not { } task)
            {
                held[worker] = scheduler.NextTask(worker);
                stepsLeft[worker] = held[worker] is { IsValidation: false } next ? 2 + (next.Index * 5 % 7) : 1;
                continue;
            }

            if (--stepsLeft[worker] > 0)
            {
                continue;
            }

            if (task.IsValidation)
            {
                validated[task.Index]++;
                held[worker] = scheduler.FinishValidation(worker, task.Index, aborted: false);
            }
            else
            {
                held[worker] = scheduler.FinishExecution(worker, task.Index, task.Incarnation, wroteNewLocation: true);
            }

            stepsLeft[worker] = 1;
        }

        Assert.True(scheduler.Done);
        Assert.All(validated, times => Assert.Equal(1, times));
    }
}
