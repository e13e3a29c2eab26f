using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Core;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Core.Validation;
using Orchestrator.Persistence.Postgres;
using Orchestrator.Persistence.Sqlite;
using Orchestrator.Testing;

namespace Orchestrator.Persistence.Tests;

/// <summary>The run queue under test.</summary>
public enum QueueKind
{
    InMemory,
    Sqlite,
    Postgres,
}

/// <summary>The real engine services, a run queue (in memory or SQLite) and a fake clock, for queue tests.</summary>
public sealed class QueueWorkerFixture : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly string _data = Directory.CreateTempSubdirectory("orchestrator-queue-").FullName;

    /// <param name="interceptor">Added to the database context's options (statement counts).</param>
    public QueueWorkerFixture(QueueKind kind, Orchestrator.Core.Alerts.AlertRouting? alerts = null, Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor? interceptor = null)
    {
        var services = new ServiceCollection().AddSingleton<TimeProvider>(Clock);
        if (interceptor is not null)
        {
            services.ConfigureDbContext<SqliteOrchestratorDbContext>(o => o.AddInterceptors(interceptor));
            services.ConfigureDbContext<PostgresOrchestratorDbContext>(o => o.AddInterceptors(interceptor));
        }

        if (alerts is not null)
        {
            services.AddSingleton(alerts);
        }

        if (kind == QueueKind.Sqlite)
        {
            services.AddSqliteStore(Path.Combine(_data, "queue.db"));
        }
        else if (kind == QueueKind.Postgres)
        {
            services.AddPostgresStore(PostgresCluster.SharedAsync().GetAwaiter().GetResult().CreateDatabaseAsync("queue").GetAwaiter().GetResult());
        }

        _services = services.AddOrchestratorCore(_data).BuildServiceProvider();
        if (kind != QueueKind.InMemory)
        {
            _services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None).GetAwaiter().GetResult();
        }

        Store = _services.GetRequiredService<IRunStore>();
        Queue = _services.GetRequiredService<IRunQueue>();
        Batches = _services.GetRequiredService<ITriggerBatchStore>();
        Outbox = _services.GetService<Orchestrator.Core.Alerts.IAlertOutbox>();
    }

    /// <summary>The alert outbox of the database queues; null in memory.</summary>
    public Orchestrator.Core.Alerts.IAlertOutbox? Outbox { get; }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public IRunStore Store { get; }

    public IRunQueue Queue { get; }

    public ITriggerBatchStore Batches { get; }

    public PlanSet Plans { get; } = new();

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync(); // closes the pooled connections to the SQLite file
        Directory.Delete(_data, recursive: true);
    }

    public sealed class PlanSet : IWorkflowPlans
    {
        private readonly Dictionary<(string, string), WorkflowPlan> _plans = [];

        public void Add(WorkflowPlan plan) => _plans[(plan.WorkflowId, plan.Version)] = plan;

        public WorkflowPlan? Find(string workflowId, string version) => _plans.GetValueOrDefault((workflowId, version));
    }

    public QueueWorker Worker(string name, int slots = 4, IReadOnlyDictionary<string, int>? pools = null) => new(
        Queue, Store, Plans, _services.GetRequiredService<AttemptRunner>(), new QueueSignal(), Clock,
        new WorkerSettings { Name = name, Slots = slots, LeaseDuration = TimeSpan.FromSeconds(30), Pools = pools ?? new Dictionary<string, int>() },
        NullLogger<QueueWorker>.Instance);

    public WorkflowPlan Plan(string json)
    {
        var result = _services.GetRequiredService<WorkflowValidator>().Validate("test.json", json);
        Assert.True(result.IsValid, string.Join('\n', result.Diagnostics));
        var plan = WorkflowPlan.Compile(result.Definition!, _services.GetRequiredService<Orchestrator.Core.Activities.ActivityRegistry>());
        Plans.Add(plan);
        return plan;
    }

    /// <summary>Creates a run queued now (the fake clock's instant), with a new version-7 id unless <paramref name="runId"/> is given.</summary>
    public async Task<Guid> CreateRunAsync(WorkflowPlan plan, DateTimeOffset? logicalDate = null, Guid? runId = null)
    {
        var at = logicalDate ?? Clock.GetUtcNow();
        var context = new RunContext
        {
            RunId = runId ?? Guid.CreateVersion7(),
            WorkflowId = plan.WorkflowId,
            WorkflowVersion = plan.Version,
            Kind = RunKind.Manual,
            LogicalDate = at,
            DataIntervalStart = at,
            DataIntervalEnd = at,
            Params = new Dictionary<string, System.Text.Json.JsonElement>(),
        };
        var (run, tasks) = RunProgress.New(plan, context, Clock.GetUtcNow());
        Assert.True(await Queue.TryCreateRunAsync(run, tasks, CancellationToken.None));
        return run.Id;
    }

    /// <summary>Steps the worker until the run is final; each step records what the previous one started.</summary>
    public async Task<RunDetails> DriveAsync(QueueWorker worker, Guid runId, int maxSteps = 50)
    {
        for (var i = 0; i < maxSteps; i++)
        {
            await worker.StepAsync();
            await worker.AttemptsEndedAsync();
            var run = await Store.FindAsync(runId, CancellationToken.None);
            if (run!.State.IsFinal())
            {
                return (await Store.GetDetailsAsync(runId, CancellationToken.None))!;
            }
        }

        throw new InvalidOperationException("the run did not end");
    }
}

/// <summary>Durable execution through <see cref="IRunQueue"/> (in memory): claims, leases, retries, limits, cancellation.</summary>
public abstract class QueueWorkerTests(QueueKind kind) : IAsyncLifetime
{
    private readonly QueueWorkerFixture _f = new(kind);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _f.DisposeAsync().AsTask();

    [Fact]
    public async Task Worker_RunsADagThroughTheQueue_WithOutputsBetweenTasks()
    {
        var plan = _f.Plan("""
            {
              "id": "queued",
              "tasks": [
                { "id": "a", "activity": "core.log", "with": { "message": "from a" } },
                { "id": "b", "activity": "core.log", "dependsOn": ["a"], "with": { "message": "b saw '{{ tasks.a.outputs.message }}'" } },
                { "id": "c", "activity": "core.noop", "dependsOn": ["a"] }
              ]
            }
            """);
        var runId = await _f.CreateRunAsync(plan);

        var details = await _f.DriveAsync(_f.Worker("node-1"), runId);

        Assert.Equal(RunState.Succeeded, details.Run.State);
        Assert.Equal("b saw 'from a'", details.Tasks.Single(t => t.TaskId == "b").Outputs!.Value.GetProperty("message").GetString());
        Assert.All(details.Attempts, a => Assert.Equal(AttemptOutcome.Succeeded, a.Outcome));
    }

    [Fact]
    public async Task TryCreateRun_RefusesASecondRunAtTheSameLogicalDate()
    {
        var plan = _f.Plan("""{ "id": "once", "tasks": [ { "id": "a", "activity": "core.noop" } ] }""");
        var date = new DateTimeOffset(2026, 1, 1, 10, 0, 0, TimeSpan.Zero);
        await _f.CreateRunAsync(plan, date);

        var (run, tasks) = RunProgress.New(plan, new RunContext
        {
            RunId = Guid.CreateVersion7(), WorkflowId = "once", WorkflowVersion = plan.Version, Kind = RunKind.Scheduled,
            LogicalDate = date, DataIntervalStart = date, DataIntervalEnd = date, Params = new Dictionary<string, System.Text.Json.JsonElement>(),
        }, _f.Clock.GetUtcNow());

        Assert.False(await _f.Queue.TryCreateRunAsync(run, tasks, CancellationToken.None));
    }

    [Fact]
    public async Task Retry_IsClaimedOnlyOnceItIsDue()
    {
        var plan = _f.Plan("""{ "id": "retry", "tasks": [ { "id": "a", "activity": "core.fail", "retries": 1, "retryDelay": "PT30S", "with": { "failAttempts": 1 } } ] }""");
        var runId = await _f.CreateRunAsync(plan);
        var worker = _f.Worker("node-1");

        await worker.StepAsync();
        await worker.AttemptsEndedAsync();
        await worker.StepAsync();
        var waiting = (await _f.Store.GetDetailsAsync(runId, CancellationToken.None))!.Tasks.Single();
        Assert.Equal(TaskState.UpForRetry, waiting.State);
        Assert.Equal(_f.Clock.GetUtcNow().AddSeconds(30), waiting.NextAttemptAt);
        Assert.Equal(waiting.NextAttemptAt, await _f.Queue.NextRetryAtAsync(CancellationToken.None));

        _f.Clock.Advance(TimeSpan.FromSeconds(29));
        await worker.StepAsync();
        Assert.Equal(0, worker.RunningCount);

        _f.Clock.Advance(TimeSpan.FromSeconds(1));
        var details = await _f.DriveAsync(worker, runId);
        Assert.Equal(RunState.Succeeded, details.Run.State);
        Assert.Equal([AttemptOutcome.Failed, AttemptOutcome.Succeeded], details.Attempts.Select(a => a.Outcome!.Value));
    }

    [Fact]
    public async Task RenewLeases_ExtendsTheLeasesItIsGiven_AndNoOther()
    {
        var plan = _f.Plan("""{ "id": "renew", "tasks": [ { "id": "a", "activity": "core.noop" }, { "id": "b", "activity": "core.noop" }, { "id": "c", "activity": "core.noop" } ] }""");
        await _f.CreateRunAsync(plan);
        var now = _f.Clock.GetUtcNow();
        await _f.Queue.StartRunsAsync(_f.Plans, now, CancellationToken.None);
        var first = await _f.Queue.ClaimAsync(new ClaimRequest("node-1", 2, now, now.AddSeconds(30)), _f.Plans, CancellationToken.None);
        var second = await _f.Queue.ClaimAsync(new ClaimRequest("node-2", 1, now, now.AddSeconds(30)), _f.Plans, CancellationToken.None);
        Assert.Equal(2, first.Count);
        Assert.Single(second);

        // One of node-1's two leases is renewed; its other one (same run, same worker) and node-2's are not.
        await _f.Queue.RenewLeasesAsync([first[0], second[0] with { Worker = "node-1" }], now.AddSeconds(60), CancellationToken.None);
        _f.Clock.Advance(TimeSpan.FromSeconds(45));

        Assert.Equal(2, await _f.Queue.ExpireLeasesAsync(_f.Plans, _f.Clock.GetUtcNow(), CancellationToken.None));
        var tasks = (await _f.Store.GetDetailsAsync(first[0].RunId, CancellationToken.None))!.Tasks.ToDictionary(t => t.TaskId);
        Assert.Equal(TaskState.Running, tasks[first[0].TaskId].State);
        Assert.Equal(TaskState.Failed, tasks[first[1].TaskId].State);
        Assert.Equal(TaskState.Failed, tasks[second[0].TaskId].State);
    }

    [Fact]
    public async Task ExpiredLease_BecomesAFailedAttempt_AndAnotherWorkerRetriesIt()
    {
        var plan = _f.Plan("""{ "id": "crash", "tasks": [ { "id": "a", "activity": "core.noop", "retries": 1, "retryDelay": "PT0S" } ] }""");
        var runId = await _f.CreateRunAsync(plan);

        // node-1 starts the run, claims the task and dies: it never records the end nor renews its lease.
        await _f.Queue.StartRunsAsync(_f.Plans, _f.Clock.GetUtcNow(), CancellationToken.None);
        var dead = await _f.Queue.ClaimAsync(new ClaimRequest("node-1", 1, _f.Clock.GetUtcNow(), _f.Clock.GetUtcNow().AddSeconds(30)), _f.Plans, CancellationToken.None);
        Assert.Single(dead);

        var survivor = _f.Worker("node-2");
        await survivor.StepAsync();
        Assert.Equal(0, survivor.RunningCount);

        _f.Clock.Advance(TimeSpan.FromSeconds(30));
        var details = await _f.DriveAsync(survivor, runId);

        Assert.Equal(RunState.Succeeded, details.Run.State);
        Assert.Equal([AttemptOutcome.LeaseExpired, AttemptOutcome.Succeeded], details.Attempts.Select(a => a.Outcome!.Value));
        Assert.Contains("lease of worker node-1 expired", details.Attempts[0].Error);

        // The dead node's late report is refused: the attempt was already recorded.
        var late = new AttemptResult(AttemptOutcome.Succeeded, _f.Clock.GetUtcNow(), _f.Clock.GetUtcNow());
        Assert.Equal([false], await _f.Queue.CompleteAsync([new AttemptCompletion(dead[0], late)], _f.Plans, _f.Clock.GetUtcNow(), CancellationToken.None));
    }

    [Fact]
    public async Task MaxActiveRuns_KeepsLaterRunsQueued_UntilEarlierOnesEnd()
    {
        var plan = _f.Plan("""{ "id": "serial", "concurrency": { "maxActiveRuns": 1 }, "tasks": [ { "id": "a", "activity": "core.noop" } ] }""");
        var t0 = _f.Clock.GetUtcNow();

        // Queued runs start oldest first by creation time. Two runs created at the same instant have no defined
        // order (the database queues then go by run id, and a version-7 id is random within its millisecond), so
        // the second run is created a second later; and its id sorts before the first's, so that only the
        // creation time can start the first run first.
        var first = await _f.CreateRunAsync(plan, t0, Guid.CreateVersion7(t0.AddMinutes(1)));
        _f.Clock.Advance(TimeSpan.FromSeconds(1));
        var second = await _f.CreateRunAsync(plan, t0.AddHours(1), Guid.CreateVersion7(t0.AddMinutes(-1)));
        Assert.True(second.CompareTo(first) < 0 && string.CompareOrdinal(second.ToString(), first.ToString()) < 0);
        var worker = _f.Worker("node-1");

        await worker.StepAsync();
        Assert.Equal(RunState.Running, (await _f.Store.FindAsync(first, CancellationToken.None))!.State);
        Assert.Equal(RunState.Queued, (await _f.Store.FindAsync(second, CancellationToken.None))!.State);

        await _f.DriveAsync(worker, first);
        var details = await _f.DriveAsync(worker, second);
        Assert.Equal(RunState.Succeeded, details.Run.State);
    }

    [Fact]
    public async Task MaxActiveTasks_LimitsClaimsPerRun()
    {
        var tasks = string.Join(", ", Enumerable.Range(1, 5).Select(i => $$"""{ "id": "t{{i}}", "activity": "core.sleep", "with": { "duration": "PT1M" } }"""));
        var plan = _f.Plan($$"""{ "id": "narrow", "concurrency": { "maxActiveTasks": 2 }, "tasks": [ {{tasks}} ] }""");
        await _f.CreateRunAsync(plan);
        var worker = _f.Worker("node-1", slots: 10);

        await worker.StepAsync();

        Assert.Equal(2, worker.RunningCount);
    }

    [Fact]
    public async Task MaxActiveTasks_HoldsWhileTheEndsOfAttemptsAreRecordedBesideTheClaim()
    {
        // Where the queue allows it (PostgreSQL), each pass records the ends of the previous pass's attempts while it
        // claims: the ending attempts must free their slots at once (not one pass later), and no more than them.
        var tasks = string.Join(", ", Enumerable.Range(1, 6).Select(i => $$"""{ "id": "t{{i}}", "activity": "core.noop" }"""));
        var plan = _f.Plan($$"""{ "id": "overlap", "concurrency": { "maxActiveTasks": 2 }, "tasks": [ {{tasks}} ] }""");
        var runId = await _f.CreateRunAsync(plan);
        var worker = _f.Worker("node-1", slots: 10);

        for (var pass = 1; pass <= 3; pass++)
        {
            await worker.StepAsync();
            Assert.Equal(2, worker.RunningCount);
            await worker.AttemptsEndedAsync();
        }

        await worker.StepAsync();
        var details = (await _f.Store.GetDetailsAsync(runId, CancellationToken.None))!;
        Assert.Equal(RunState.Succeeded, details.Run.State);
        Assert.Equal(6, details.Attempts.Count);
    }

    [Fact]
    public async Task Claim_LeavesEndingAttemptsOutOfMaxActiveTasks_WhetherOrNotTheirEndIsRecorded()
    {
        var tasks = string.Join(", ", Enumerable.Range(1, 6).Select(i => $$"""{ "id": "t{{i}}", "activity": "core.noop" }"""));
        var plan = _f.Plan($$"""{ "id": "ending", "concurrency": { "maxActiveTasks": 2 }, "tasks": [ {{tasks}} ] }""");
        await _f.CreateRunAsync(plan);
        var now = _f.Clock.GetUtcNow();
        await _f.Queue.StartRunsAsync(_f.Plans, now, CancellationToken.None);
        ClaimRequest Request(params ClaimedTask[] ending) => new("node-1", 10, now, now.AddSeconds(30)) { Ending = ending };

        var first = await _f.Queue.ClaimAsync(Request(), _f.Plans, CancellationToken.None);
        Assert.Equal(2, first.Count);
        Assert.Empty(await _f.Queue.ClaimAsync(Request(), _f.Plans, CancellationToken.None));

        // The first attempt ended and its end is not written yet: its slot is free, and only its slot.
        var second = await _f.Queue.ClaimAsync(Request(first[0]), _f.Plans, CancellationToken.None);
        Assert.Single(second);
        Assert.Empty(await _f.Queue.ClaimAsync(Request(first[0]), _f.Plans, CancellationToken.None));

        // Its end written meanwhile: the claim does not free its slot a second time.
        var recorded = await _f.Queue.CompleteAsync(
            [new AttemptCompletion(first[0], new AttemptResult(AttemptOutcome.Succeeded, now, now))], _f.Plans, now, CancellationToken.None);
        Assert.True(recorded[0]);
        Assert.Empty(await _f.Queue.ClaimAsync(Request(first[0]), _f.Plans, CancellationToken.None));

        // An attempt number that is not the running one frees nothing.
        var stale = first[1] with { Attempt = first[1].Attempt + 1 };
        Assert.Empty(await _f.Queue.ClaimAsync(Request(stale), _f.Plans, CancellationToken.None));
        Assert.Single(await _f.Queue.ClaimAsync(Request(first[1]), _f.Plans, CancellationToken.None));
    }

    [Fact]
    public async Task CancelRun_CancelsRunningAttemptsAtHeartbeat_AndEndsTheRunCancelled()
    {
        var plan = _f.Plan("""
            { "id": "cancel", "tasks": [
              { "id": "long", "activity": "core.sleep", "with": { "duration": "PT1H" } },
              { "id": "next", "activity": "core.noop", "dependsOn": ["long"] } ] }
            """);
        var runId = await _f.CreateRunAsync(plan);
        var worker = _f.Worker("node-1");
        await worker.StepAsync();
        Assert.Equal(1, worker.RunningCount);

        Assert.True(await _f.Queue.CancelRunAsync(runId, _f.Plans, _f.Clock.GetUtcNow(), CancellationToken.None));
        Assert.Equal(RunState.Running, (await _f.Store.FindAsync(runId, CancellationToken.None))!.State);
        await worker.HeartbeatAsync();
        await worker.AttemptsEndedAsync();
        await worker.StepAsync();

        var details = (await _f.Store.GetDetailsAsync(runId, CancellationToken.None))!;
        Assert.Equal(RunState.Cancelled, details.Run.State);
        Assert.Equal([TaskState.Cancelled, TaskState.Cancelled], details.Tasks.Select(t => t.State));
        Assert.Equal(AttemptOutcome.Cancelled, details.Attempts.Single().Outcome);
    }
}

public abstract class QueueClearTests(QueueKind kind) : IAsyncLifetime
{
    private readonly QueueWorkerFixture _f = new(kind);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _f.DisposeAsync().AsTask();

    [Fact]
    public async Task RerunningAFailedTask_ClearsItsDownstream_AndTheRunSucceeds()
    {
        var plan = _f.Plan("""
            { "id": "rerun", "tasks": [
              { "id": "ok", "activity": "core.noop" },
              { "id": "flaky", "activity": "core.fail", "dependsOn": ["ok"], "with": { "failAttempts": 1 } },
              { "id": "after", "activity": "core.noop", "dependsOn": ["flaky"] } ] }
            """);
        var runId = await _f.CreateRunAsync(plan);
        var worker = _f.Worker("node-1");
        var first = await _f.DriveAsync(worker, runId);
        Assert.Equal(RunState.Failed, first.Run.State);
        Assert.Equal(TaskState.UpstreamFailed, first.Tasks.Single(t => t.TaskId == "after").State);

        Assert.True(await _f.Queue.ClearAsync(runId, ["flaky"], downstream: true, _f.Plans, _f.Clock.GetUtcNow(), CancellationToken.None));
        var second = await _f.DriveAsync(worker, runId);

        Assert.Equal(RunState.Succeeded, second.Run.State);
        var states = second.Tasks.ToDictionary(t => t.TaskId, t => (t.State, t.Attempts, t.MaxAttempts));
        Assert.Equal((TaskState.Succeeded, 1, 1), states["ok"]);
        Assert.Equal((TaskState.Succeeded, 2, 2), states["flaky"]);
        Assert.Equal((TaskState.Succeeded, 1, 1), states["after"]);
        Assert.Equal(4, second.Attempts.Count);
    }

    [Fact]
    public async Task Clear_RefusesTasksThatAreNotFinal()
    {
        var plan = _f.Plan("""{ "id": "busy", "tasks": [ { "id": "long", "activity": "core.sleep", "with": { "duration": "PT1H" } } ] }""");
        var runId = await _f.CreateRunAsync(plan);
        var worker = _f.Worker("node-1");
        await worker.StepAsync();

        Assert.False(await _f.Queue.ClearAsync(runId, ["long"], downstream: true, _f.Plans, _f.Clock.GetUtcNow(), CancellationToken.None));
    }
}

public abstract class QueueCancelTests(QueueKind kind) : IAsyncLifetime
{
    private readonly QueueWorkerFixture _f = new(kind);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _f.DisposeAsync().AsTask();

    [Fact]
    public async Task CancellingRun_StartsNoQueuedTask_WhileItsRunningOnesStop()
    {
        var plan = _f.Plan("""
            { "id": "cancel-queued", "concurrency": { "maxActiveTasks": 1 }, "tasks": [
              { "id": "first", "activity": "core.sleep", "with": { "duration": "PT1H" } },
              { "id": "second", "activity": "core.noop" } ] }
            """);
        var runId = await _f.CreateRunAsync(plan);
        var worker = _f.Worker("node-1");
        await worker.StepAsync();
        Assert.Equal(1, worker.RunningCount);

        await _f.Queue.CancelRunAsync(runId, _f.Plans, _f.Clock.GetUtcNow(), CancellationToken.None);
        var other = _f.Worker("node-2");
        await other.StepAsync();
        Assert.Equal(0, other.RunningCount);

        await worker.HeartbeatAsync();
        await worker.AttemptsEndedAsync();
        await worker.StepAsync();
        var details = (await _f.Store.GetDetailsAsync(runId, CancellationToken.None))!;
        Assert.Equal(RunState.Cancelled, details.Run.State);
        Assert.Equal([TaskState.Cancelled, TaskState.Cancelled], details.Tasks.Select(t => t.State));
        Assert.Single(details.Attempts);
    }
}

public sealed class InMemoryQueueWorkerTests() : QueueWorkerTests(QueueKind.InMemory);

public sealed class SqliteQueueWorkerTests() : QueueWorkerTests(QueueKind.Sqlite);

public sealed class PostgresQueueWorkerTests() : QueueWorkerTests(QueueKind.Postgres);

public sealed class InMemoryQueueClearTests() : QueueClearTests(QueueKind.InMemory);

public sealed class SqliteQueueClearTests() : QueueClearTests(QueueKind.Sqlite);

public sealed class PostgresQueueClearTests() : QueueClearTests(QueueKind.Postgres);

public sealed class InMemoryQueueCancelTests() : QueueCancelTests(QueueKind.InMemory);

public sealed class SqliteQueueCancelTests() : QueueCancelTests(QueueKind.Sqlite);

public sealed class PostgresQueueCancelTests() : QueueCancelTests(QueueKind.Postgres);

public abstract class QueuePoolTests(QueueKind kind) : IAsyncLifetime
{
    private readonly QueueWorkerFixture _f = new(kind);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _f.DisposeAsync().AsTask();

    [Fact]
    public async Task Pool_LimitsRunningSlots_AcrossRunsAndWorkers()
    {
        var plan = _f.Plan("""
            { "id": "pooled", "defaults": { "pool": "warehouse" }, "tasks": [
              { "id": "big", "activity": "core.sleep", "poolSlots": 2, "with": { "duration": "PT1M" } },
              { "id": "small", "activity": "core.sleep", "with": { "duration": "PT1M" } },
              { "id": "free", "activity": "core.sleep", "pool": "other", "with": { "duration": "PT1M" } } ] }
            """);
        await _f.CreateRunAsync(plan, _f.Clock.GetUtcNow());
        await _f.CreateRunAsync(plan, _f.Clock.GetUtcNow().AddHours(1));
        var pools = new Dictionary<string, int> { ["warehouse"] = 3, ["other"] = 10 };
        var first = _f.Worker("node-1", slots: 10, pools);
        var second = _f.Worker("node-2", slots: 10, pools);

        await first.StepAsync();
        await second.StepAsync();

        // warehouse: 3 slots = one big (2) + one small (1); the second run's big and small wait. "other" is free.
        Assert.Equal(4, first.RunningCount + second.RunningCount);
    }

    [Fact]
    public async Task TaskInAnUnconfiguredPool_FailsWithAClearMessage()
    {
        var plan = _f.Plan("""{ "id": "nopool", "tasks": [ { "id": "a", "activity": "core.noop", "pool": "gpu" } ] }""");
        var runId = await _f.CreateRunAsync(plan);

        var details = await _f.DriveAsync(_f.Worker("node-1"), runId);

        Assert.Equal(RunState.Failed, details.Run.State);
        Assert.Contains("pool 'gpu' is not configured", details.Tasks.Single().Error);
    }
}

public sealed class InMemoryQueuePoolTests() : QueuePoolTests(QueueKind.InMemory);

public sealed class SqliteQueuePoolTests() : QueuePoolTests(QueueKind.Sqlite);

public sealed class PostgresQueuePoolTests() : QueuePoolTests(QueueKind.Postgres);

public abstract class QueueShutdownTests(QueueKind kind) : IAsyncLifetime
{
    private readonly QueueWorkerFixture _f = new(kind);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _f.DisposeAsync().AsTask();

    [Fact]
    public async Task Shutdown_ReleasesUnfinishedAttempts_AndAnotherWorkerClaimsThemWithoutUsingARetry()
    {
        var plan = _f.Plan("""{ "id": "restart", "tasks": [ { "id": "slow", "activity": "core.sleep", "with": { "duration": "PT1M" } } ] }""");
        var runId = await _f.CreateRunAsync(plan);
        var leaving = _f.Worker("node-a");
        await leaving.StepAsync();
        Assert.Equal(1, leaving.RunningCount);

        await leaving.DrainAsync(TimeSpan.Zero);

        var released = (await _f.Store.GetDetailsAsync(runId, CancellationToken.None))!;
        Assert.Equal(TaskState.Queued, released.Tasks.Single().State);
        Assert.Equal(AttemptOutcome.Cancelled, released.Attempts.Single().Outcome);
        Assert.Contains("released: worker node-a shut down", released.Attempts.Single().Error);

        var staying = _f.Worker("node-b");
        await staying.StepAsync();

        var details = (await _f.Store.GetDetailsAsync(runId, CancellationToken.None))!;
        var task = details.Tasks.Single();
        Assert.Equal(TaskState.Running, task.State);
        Assert.Equal((2, 2), (task.Attempts, task.MaxAttempts));
        Assert.Equal(1, staying.RunningCount);
    }
}

public sealed class InMemoryQueueShutdownTests() : QueueShutdownTests(QueueKind.InMemory);

public sealed class SqliteQueueShutdownTests() : QueueShutdownTests(QueueKind.Sqlite);

public sealed class PostgresQueueShutdownTests() : QueueShutdownTests(QueueKind.Postgres);

public abstract class QueueGaugesTests(QueueKind kind) : IAsyncLifetime
{
    private readonly QueueWorkerFixture _f = new(kind);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _f.DisposeAsync().AsTask();

    [Fact]
    public async Task Gauges_CountRunsAndTaskInstancesByState_AndTheQueue()
    {
        var plan = _f.Plan("""
            { "id": "gauged", "defaults": { "pool": "warehouse" }, "tasks": [
              { "id": "first", "activity": "core.sleep", "with": { "duration": "PT1M" } },
              { "id": "waiting", "activity": "core.sleep", "with": { "duration": "PT1M" } },
              { "id": "after", "activity": "core.noop", "dependsOn": ["first"] } ] }
            """);
        await _f.CreateRunAsync(plan, _f.Clock.GetUtcNow());
        var queuedAt = _f.Clock.GetUtcNow();

        // One pool slot: "first" runs, "waiting" waits in the queue, "after" waits for "first".
        await _f.Worker("node-1", slots: 10, new Dictionary<string, int> { ["warehouse"] = 1 }).StepAsync();
        _f.Clock.Advance(TimeSpan.FromSeconds(5));
        var gauges = await _f.Queue.GaugesAsync(_f.Clock.GetUtcNow(), CancellationToken.None);

        Assert.Equal(1, gauges.Runs.GetValueOrDefault(RunState.Running));
        Assert.Equal(0, gauges.Runs.GetValueOrDefault(RunState.Queued));
        Assert.Equal(1, gauges.TaskInstances.GetValueOrDefault(TaskState.Running));
        Assert.Equal(1, gauges.TaskInstances.GetValueOrDefault(TaskState.Queued));
        Assert.Equal(1, gauges.TaskInstances.GetValueOrDefault(TaskState.Pending));
        Assert.Equal(1, gauges.QueueDepth);
        if (kind != QueueKind.InMemory)
        {
            Assert.NotNull(gauges.OldestQueuedAt);
            Assert.True((gauges.OldestQueuedAt.Value - queuedAt).Duration() < TimeSpan.FromMilliseconds(1), $"oldest queued at {gauges.OldestQueuedAt}, expected {queuedAt}");
        }
    }
}

public sealed class InMemoryQueueGaugesTests() : QueueGaugesTests(QueueKind.InMemory);

public sealed class SqliteQueueGaugesTests() : QueueGaugesTests(QueueKind.Sqlite);

public sealed class PostgresQueueGaugesTests() : QueueGaugesTests(QueueKind.Postgres);
