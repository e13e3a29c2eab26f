using System.Data.Common;
using Xunit.Abstractions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Orchestrator.Core.Model;

namespace Orchestrator.Persistence.Tests;

/// <summary>
/// The database work of a whole run through the real worker, per task instance: it must not grow with the run's
/// size (a run's events refresh what the node keeps of it instead of reading every task instance again).
/// </summary>
public abstract class QueueStatementCountTests(QueueKind kind, ITestOutputHelper output)
{
    [Fact]
    public Task IndependentTasks_CostTheSameStatementsAndRowsPerTask_AtAHundredAndTwoThousandTasks()
        => AssertConstantAsync(chain: false);

    [Fact]
    public Task Chain_CostsTheSameStatementsAndRowsPerTask_AtAHundredAndTwoThousandTasks()
        => AssertConstantAsync(chain: true);

    private async Task AssertConstantAsync(bool chain)
    {
        var small = await MeasureAsync(100, chain);
        var large = await MeasureAsync(2_000, chain);

        var message = $"per task: {small.Commands:F2} statements and {small.Rows:F2} rows read at 100 tasks, "
            + $"{large.Commands:F2} statements and {large.Rows:F2} rows read at 2,000";
        output.WriteLine(message);
        Assert.True(Math.Abs(large.Commands - small.Commands) <= 0.10 * Math.Min(large.Commands, small.Commands), message);

        // Rows: claims read a window of candidates, which a small run fills less; what must not happen is a run's
        // every task instance read again per event (hundreds of rows per task at 2,000).
        Assert.True(large.Rows <= 1.5 * small.Rows, message);
    }

    /// <summary>Statements and rows read per task while a worker of 4 slots drives a run of <paramref name="tasks"/> no-op tasks.</summary>
    private async Task<(double Commands, double Rows)> MeasureAsync(int tasks, bool chain)
    {
        var counter = new CommandCounter();
        await using var f = new QueueWorkerFixture(kind, interceptor: counter);
        var items = Enumerable.Range(0, tasks).Select(i => chain && i > 0
            ? $$"""{ "id": "t{{i}}", "activity": "core.noop", "dependsOn": ["t{{i - 1}}"] }"""
            : $$"""{ "id": "t{{i}}", "activity": "core.noop" }""");
        var plan = f.Plan($$"""{ "id": "count-{{tasks}}", "tasks": [ {{string.Join(",\n", items)}} ] }""");
        var runId = await f.CreateRunAsync(plan);
        var worker = f.Worker("node-1", slots: 4);

        for (var step = 0; step < 3 * tasks + 10; step++)
        {
            await counter.CountAsync(async () =>
            {
                await worker.StepAsync();
                await worker.AttemptsEndedAsync();
            });
            if ((await f.Store.FindAsync(runId, CancellationToken.None))!.State.IsFinal())
            {
                Assert.Equal(RunState.Succeeded, (await f.Store.FindAsync(runId, CancellationToken.None))!.State);
                return ((double)counter.Commands / tasks, (double)counter.Rows / tasks);
            }
        }

        throw new InvalidOperationException("the run did not end");
    }

    /// <summary>
    /// Counts the commands the database context sends and the rows their readers returned, for the code it runs
    /// (an async flow), not for other tests running at the same time.
    /// </summary>
    private sealed class CommandCounter : DbCommandInterceptor
    {
        private static readonly AsyncLocal<CommandCounter?> Current = new();
        private long _commands;
        private long _rows;

        public long Commands => Interlocked.Read(ref _commands);

        public long Rows => Interlocked.Read(ref _rows);

        public async Task CountAsync(Func<Task> work)
        {
            Current.Value = this;
            try
            {
                await work();
            }
            finally
            {
                Current.Value = null;
            }
        }

        public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
            => Counted(result);

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
            => ValueTask.FromResult(Counted(result));

        public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
            => Counted(result);

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
            => ValueTask.FromResult(Counted(result));

        public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
            => Counted(result);

        public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
            => ValueTask.FromResult(Counted(result));

        public override InterceptionResult DataReaderDisposing(DbCommand command, DataReaderDisposingEventData eventData, InterceptionResult result)
        {
            if (Current.Value == this)
            {
                Interlocked.Add(ref _rows, eventData.ReadCount);
            }

            return result;
        }

        private T Counted<T>(T result)
        {
            if (Current.Value == this)
            {
                Interlocked.Increment(ref _commands);
            }

            return result;
        }
    }
}

public sealed class SqliteQueueStatementCountTests(ITestOutputHelper output) : QueueStatementCountTests(QueueKind.Sqlite, output);

public sealed class PostgresQueueStatementCountTests(ITestOutputHelper output) : QueueStatementCountTests(QueueKind.Postgres, output);
