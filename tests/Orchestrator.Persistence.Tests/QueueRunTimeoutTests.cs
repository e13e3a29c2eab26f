using Orchestrator.Core.Model;

namespace Orchestrator.Persistence.Tests;

/// <summary>A run past its runTimeout is stopped through the queue, by any node's watchdog: failed, not cancelled.</summary>
public abstract class QueueRunTimeoutTests(QueueKind kind) : IAsyncLifetime
{
    private readonly QueueWorkerFixture _f = new(kind);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _f.DisposeAsync().AsTask();

    [Fact]
    public async Task OverdueRun_FailsItsRunningAttemptAtHeartbeatAndCancelsTheRest_WhenAnotherNodesWatchdogSeesIt()
    {
        var plan = _f.Plan("""
            { "id": "overdue", "runTimeout": "PT10M", "concurrency": { "maxActiveTasks": 1 }, "tasks": [
              { "id": "first", "activity": "core.sleep", "with": { "duration": "PT1H" } },
              { "id": "second", "activity": "core.noop" } ] }
            """);
        var runId = await _f.CreateRunAsync(plan);
        var worker = _f.Worker("node-1");
        await worker.StepAsync();
        Assert.Equal(1, worker.RunningCount);

        _f.Clock.Advance(TimeSpan.FromMinutes(9));
        await worker.HeartbeatAsync();
        Assert.Equal(0, await _f.Queue.StopOverdueRunsAsync(_f.Plans, _f.Clock.GetUtcNow(), CancellationToken.None));
        _f.Clock.Advance(TimeSpan.FromMinutes(1));
        await worker.HeartbeatAsync();
        await _f.Worker("node-2").StepAsync();

        await worker.HeartbeatAsync();
        await worker.AttemptsEndedAsync();
        await worker.StepAsync();
        var details = (await _f.Store.GetDetailsAsync(runId, CancellationToken.None))!;
        Assert.Equal(RunState.Failed, details.Run.State);
        Assert.Equal("run timed out after PT10M", details.Run.Error);
        Assert.Equal([TaskState.Failed, TaskState.Cancelled], details.Tasks.OrderBy(t => t.TaskId, StringComparer.Ordinal).Select(t => t.State));
        var attempt = Assert.Single(details.Attempts);
        Assert.Equal(AttemptOutcome.TimedOut, attempt.Outcome);
        Assert.Equal("stopped: the run timed out", attempt.Error);
    }
}

public sealed class InMemoryQueueRunTimeoutTests() : QueueRunTimeoutTests(QueueKind.InMemory);

public sealed class SqliteQueueRunTimeoutTests() : QueueRunTimeoutTests(QueueKind.Sqlite);

public sealed class PostgresQueueRunTimeoutTests() : QueueRunTimeoutTests(QueueKind.Postgres);
