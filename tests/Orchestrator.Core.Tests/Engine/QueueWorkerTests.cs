using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Engine;
using Orchestrator.Model;
using Orchestrator.Storage;
using Orchestrator.Validation;

namespace Orchestrator.Core.Tests.Engine;

/// <summary>Durable execution through <see cref="IRunQueue"/> (in memory): claims, leases, retries, limits, cancellation.</summary>
public sealed class QueueWorkerTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider _services;
    private readonly InMemoryStore _store;
    private readonly InMemoryRunQueue _queue;
    private readonly Plans _plans = new();
    private readonly string _data = Directory.CreateTempSubdirectory("orchestrator-queue-").FullName;

    public QueueWorkerTests()
    {
        _services = new ServiceCollection().AddSingleton<TimeProvider>(_clock).AddOrchestratorCore(_data).BuildServiceProvider();
        _store = _services.GetRequiredService<InMemoryStore>();
        _queue = new InMemoryRunQueue(_store, _clock);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    private sealed class Plans : IWorkflowPlans
    {
        private readonly Dictionary<(string, string), WorkflowPlan> _plans = [];

        public void Add(WorkflowPlan plan) => _plans[(plan.WorkflowId, plan.Version)] = plan;

        public WorkflowPlan? Find(string workflowId, string version) => _plans.GetValueOrDefault((workflowId, version));
    }

    private QueueWorker Worker(string name, int slots = 4) => new(
        _queue, _store, _plans, _services.GetRequiredService<AttemptRunner>(), new QueueSignal(), _clock,
        new WorkerSettings { Name = name, Slots = slots, LeaseDuration = TimeSpan.FromSeconds(30) },
        NullLogger<QueueWorker>.Instance);

    private WorkflowPlan Plan(string json)
    {
        var result = _services.GetRequiredService<WorkflowValidator>().Validate("test.json", json);
        Assert.True(result.IsValid, string.Join('\n', result.Diagnostics));
        var plan = WorkflowPlan.Compile(result.Definition!, _services.GetRequiredService<Orchestrator.Activities.ActivityRegistry>());
        _plans.Add(plan);
        return plan;
    }

    private async Task<Guid> CreateRunAsync(WorkflowPlan plan, DateTimeOffset? logicalDate = null)
    {
        var at = logicalDate ?? _clock.GetUtcNow();
        var context = new RunContext
        {
            RunId = Guid.CreateVersion7(),
            WorkflowId = plan.WorkflowId,
            WorkflowVersion = plan.Version,
            Kind = RunKind.Manual,
            LogicalDate = at,
            DataIntervalStart = at,
            DataIntervalEnd = at,
            Params = new Dictionary<string, System.Text.Json.JsonElement>(),
        };
        var (run, tasks) = RunProgress.New(plan, context, _clock.GetUtcNow());
        Assert.True(await _queue.TryCreateRunAsync(run, tasks, CancellationToken.None));
        return run.Id;
    }

    /// <summary>Steps the worker until the run is final; each step records what the previous one started.</summary>
    private async Task<RunDetails> DriveAsync(QueueWorker worker, Guid runId, int maxSteps = 50)
    {
        for (var i = 0; i < maxSteps; i++)
        {
            await worker.StepAsync();
            await worker.AttemptsEndedAsync();
            var run = await _store.FindAsync(runId, CancellationToken.None);
            if (run!.State.IsFinal())
            {
                return (await _store.GetDetailsAsync(runId, CancellationToken.None))!;
            }
        }

        throw new InvalidOperationException("the run did not end");
    }

    [Fact]
    public async Task Worker_RunsADagThroughTheQueue_WithOutputsBetweenTasks()
    {
        var plan = Plan("""
            {
              "id": "queued",
              "tasks": [
                { "id": "a", "activity": "core.log", "with": { "message": "from a" } },
                { "id": "b", "activity": "core.log", "dependsOn": ["a"], "with": { "message": "b saw '{{ tasks.a.outputs.message }}'" } },
                { "id": "c", "activity": "core.noop", "dependsOn": ["a"] }
              ]
            }
            """);
        var runId = await CreateRunAsync(plan);

        var details = await DriveAsync(Worker("node-1"), runId);

        Assert.Equal(RunState.Succeeded, details.Run.State);
        Assert.Equal("b saw 'from a'", details.Tasks.Single(t => t.TaskId == "b").Outputs!.Value.GetProperty("message").GetString());
        Assert.All(details.Attempts, a => Assert.Equal(AttemptOutcome.Succeeded, a.Outcome));
    }

    [Fact]
    public async Task TryCreateRun_RefusesASecondRunAtTheSameLogicalDate()
    {
        var plan = Plan("""{ "id": "once", "tasks": [ { "id": "a", "activity": "core.noop" } ] }""");
        var date = new DateTimeOffset(2026, 1, 1, 10, 0, 0, TimeSpan.Zero);
        await CreateRunAsync(plan, date);

        var (run, tasks) = RunProgress.New(plan, new RunContext
        {
            RunId = Guid.CreateVersion7(), WorkflowId = "once", WorkflowVersion = plan.Version, Kind = RunKind.Scheduled,
            LogicalDate = date, DataIntervalStart = date, DataIntervalEnd = date, Params = new Dictionary<string, System.Text.Json.JsonElement>(),
        }, _clock.GetUtcNow());

        Assert.False(await _queue.TryCreateRunAsync(run, tasks, CancellationToken.None));
    }

    [Fact]
    public async Task Retry_IsClaimedOnlyOnceItIsDue()
    {
        var plan = Plan("""{ "id": "retry", "tasks": [ { "id": "a", "activity": "core.fail", "retries": 1, "retryDelay": "PT30S", "with": { "failAttempts": 1 } } ] }""");
        var runId = await CreateRunAsync(plan);
        var worker = Worker("node-1");

        await worker.StepAsync();
        await worker.AttemptsEndedAsync();
        await worker.StepAsync();
        var waiting = (await _store.GetDetailsAsync(runId, CancellationToken.None))!.Tasks.Single();
        Assert.Equal(TaskState.UpForRetry, waiting.State);
        Assert.Equal(_clock.GetUtcNow().AddSeconds(30), waiting.NextAttemptAt);
        Assert.Equal(waiting.NextAttemptAt, await _queue.NextRetryAtAsync(CancellationToken.None));

        _clock.Advance(TimeSpan.FromSeconds(29));
        await worker.StepAsync();
        Assert.Equal(0, worker.RunningCount);

        _clock.Advance(TimeSpan.FromSeconds(1));
        var details = await DriveAsync(worker, runId);
        Assert.Equal(RunState.Succeeded, details.Run.State);
        Assert.Equal([AttemptOutcome.Failed, AttemptOutcome.Succeeded], details.Attempts.Select(a => a.Outcome!.Value));
    }

    [Fact]
    public async Task ExpiredLease_BecomesAFailedAttempt_AndAnotherWorkerRetriesIt()
    {
        var plan = Plan("""{ "id": "crash", "tasks": [ { "id": "a", "activity": "core.noop", "retries": 1, "retryDelay": "PT0S" } ] }""");
        var runId = await CreateRunAsync(plan);

        // node-1 starts the run, claims the task and dies: it never records the end nor renews its lease.
        await _queue.StartRunsAsync(_plans, _clock.GetUtcNow(), CancellationToken.None);
        var dead = await _queue.ClaimAsync(new ClaimRequest("node-1", 1, _clock.GetUtcNow(), _clock.GetUtcNow().AddSeconds(30)), _plans, CancellationToken.None);
        Assert.Single(dead);

        var survivor = Worker("node-2");
        await survivor.StepAsync();
        Assert.Equal(0, survivor.RunningCount);

        _clock.Advance(TimeSpan.FromSeconds(30));
        var details = await DriveAsync(survivor, runId);

        Assert.Equal(RunState.Succeeded, details.Run.State);
        Assert.Equal([AttemptOutcome.LeaseExpired, AttemptOutcome.Succeeded], details.Attempts.Select(a => a.Outcome!.Value));
        Assert.Contains("lease of worker node-1 expired", details.Attempts[0].Error);

        // The dead node's late report is refused: the attempt was already recorded.
        var late = new AttemptResult(AttemptOutcome.Succeeded, _clock.GetUtcNow(), _clock.GetUtcNow());
        Assert.False(await _queue.CompleteAsync(dead[0], late, _plans, _clock.GetUtcNow(), CancellationToken.None));
    }

    [Fact]
    public async Task MaxActiveRuns_KeepsLaterRunsQueued_UntilEarlierOnesEnd()
    {
        var plan = Plan("""{ "id": "serial", "concurrency": { "maxActiveRuns": 1 }, "tasks": [ { "id": "a", "activity": "core.noop" } ] }""");
        var first = await CreateRunAsync(plan, _clock.GetUtcNow());
        var second = await CreateRunAsync(plan, _clock.GetUtcNow().AddHours(1));
        var worker = Worker("node-1");

        await worker.StepAsync();
        Assert.Equal(RunState.Running, (await _store.FindAsync(first, CancellationToken.None))!.State);
        Assert.Equal(RunState.Queued, (await _store.FindAsync(second, CancellationToken.None))!.State);

        await DriveAsync(worker, first);
        var details = await DriveAsync(worker, second);
        Assert.Equal(RunState.Succeeded, details.Run.State);
    }

    [Fact]
    public async Task MaxActiveTasks_LimitsClaimsPerRun()
    {
        var tasks = string.Join(", ", Enumerable.Range(1, 5).Select(i => $$"""{ "id": "t{{i}}", "activity": "core.sleep", "with": { "duration": "PT1M" } }"""));
        var plan = Plan($$"""{ "id": "narrow", "concurrency": { "maxActiveTasks": 2 }, "tasks": [ {{tasks}} ] }""");
        await CreateRunAsync(plan);
        var worker = Worker("node-1", slots: 10);

        await worker.StepAsync();

        Assert.Equal(2, worker.RunningCount);
    }

    [Fact]
    public async Task CancelRun_CancelsRunningAttemptsAtHeartbeat_AndEndsTheRunCancelled()
    {
        var plan = Plan("""
            { "id": "cancel", "tasks": [
              { "id": "long", "activity": "core.sleep", "with": { "duration": "PT1H" } },
              { "id": "next", "activity": "core.noop", "dependsOn": ["long"] } ] }
            """);
        var runId = await CreateRunAsync(plan);
        var worker = Worker("node-1");
        await worker.StepAsync();
        Assert.Equal(1, worker.RunningCount);

        Assert.True(await _queue.CancelRunAsync(runId, _plans, _clock.GetUtcNow(), CancellationToken.None));
        Assert.Equal(RunState.Running, (await _store.FindAsync(runId, CancellationToken.None))!.State);
        await worker.HeartbeatAsync();
        await worker.AttemptsEndedAsync();
        await worker.StepAsync();

        var details = (await _store.GetDetailsAsync(runId, CancellationToken.None))!;
        Assert.Equal(RunState.Cancelled, details.Run.State);
        Assert.Equal([TaskState.Cancelled, TaskState.Cancelled], details.Tasks.Select(t => t.State));
        Assert.Equal(AttemptOutcome.Cancelled, details.Attempts.Single().Outcome);
    }
}
