using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;

namespace Orchestrator.Core.Tests.Engine;

/// <summary>
/// Workers over a queue whose database goes away for 20 s (leases last 3 s, renewed every second), on a fake clock:
/// a result that could not be written is kept and written later, and no worker expires a lease until it has seen
/// the database for a whole lease again — while a dead node's lease still expires after that.
/// </summary>
public sealed class QueueWorkerOutageTests : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider _services;
    private readonly Outage _outage = new();
    private readonly string _data = Directory.CreateTempSubdirectory("orchestrator-outage-").FullName;

    public QueueWorkerOutageTests()
    {
        _services = new ServiceCollection().AddSingleton<TimeProvider>(_clock).AddOrchestratorCore(_data).BuildServiceProvider();
    }

    [Fact]
    public async Task AttemptEndingDuringAnOutage_IsRecordedAfterIt_AndNotExpired()
    {
        var (plan, runId) = await CreateRunAsync("PT5S");
        var a = Worker("node-a", plan);
        var b = Worker("node-b", plan);
        await a.StepAsync();

        // The database goes away; the attempt ends meanwhile and neither worker can write or renew.
        _outage.Down = true;
        await AdvanceUntilAsync(TimeSpan.FromSeconds(20), a.AttemptsEndedAsync());
        await Assert.ThrowsAnyAsync<Exception>(a.StepAsync);
        await Assert.ThrowsAnyAsync<Exception>(b.StepAsync);

        // Back: B's watchdog runs first and leaves A's lease alone; A writes the result it kept.
        _outage.Down = false;
        await b.StepAsync();
        await a.StepAsync();

        var task = await TaskAsync(runId);
        Assert.Equal((TaskState.Succeeded, 1), (task.State, task.Attempts));
    }

    [Fact]
    public async Task AfterAnOutage_LiveLeasesAreRenewedBeforeAnyExpiry_AndDeadOnesExpire()
    {
        var (plan, live) = await CreateRunAsync("PT1H");
        var a = Worker("node-a", plan);
        await a.StepAsync();
        var (_, orphan) = await CreateRunAsync("PT1H", logicalDateOffset: TimeSpan.FromHours(1));
        await Worker("node-c", plan).StepAsync(); // node C claims the second task, then dies during the outage
        var b = Worker("node-b", plan);

        _outage.Down = true;
        _clock.Advance(TimeSpan.FromSeconds(20));
        await Assert.ThrowsAnyAsync<Exception>(a.StepAsync);
        await Assert.ThrowsAnyAsync<Exception>(b.StepAsync);
        _outage.Down = false;

        // Back: every lease looks expired, but B expires none before it has seen the database for a whole lease.
        await b.StepAsync();
        Assert.Equal((TaskState.Running, TaskState.Running), ((await TaskAsync(live)).State, (await TaskAsync(orphan)).State));

        // A renews its lease by heartbeat meanwhile; then B expires only the dead node's.
        await a.StepAsync();
        for (var second = 0; second < 3; second++)
        {
            await a.HeartbeatAsync();
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        await a.HeartbeatAsync();
        await b.StepAsync();
        Assert.Equal((TaskState.Running, 1), ((await TaskAsync(live)).State, (await TaskAsync(live)).Attempts));
        var expired = (await _services.GetRequiredService<IRunStore>().GetDetailsAsync(orphan, CancellationToken.None))!.Attempts.First();
        Assert.Equal(AttemptOutcome.LeaseExpired, expired.Outcome);
        Assert.Contains("node-c", expired.Error, StringComparison.Ordinal);
    }

    /// <summary>
    /// Moves the fake clock a second at a time, at least <paramref name="least"/>, until <paramref name="ended"/> is
    /// done: the attempt arms its timer on a thread of its own, so one big jump could come before it.
    /// </summary>
    private async Task AdvanceUntilAsync(TimeSpan least, Task ended)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        for (var moved = TimeSpan.Zero; moved < least || !ended.IsCompleted; moved += TimeSpan.FromSeconds(1))
        {
            Assert.True(DateTime.UtcNow < deadline, "the attempt did not end");
            _clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(10);
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    private QueueWorker Worker(string name, WorkflowPlan plan) => new(
        Outage.Wrap(_services.GetRequiredService<IRunQueue>(), _outage),
        _services.GetRequiredService<IRunStore>(),
        new SinglePlan(plan),
        _services.GetRequiredService<AttemptRunner>(),
        _services.GetRequiredService<QueueSignal>(),
        _clock,
        new WorkerSettings { Name = name, LeaseDuration = Lease, HeartbeatInterval = TimeSpan.FromSeconds(1) },
        NullLogger<QueueWorker>.Instance);

    private async Task<(WorkflowPlan Plan, Guid RunId)> CreateRunAsync(string duration, TimeSpan logicalDateOffset = default)
    {
        var definition = new WorkflowDefinition
        {
            Id = "outage",
            Defaults = new TaskDefaults { Retries = 1 },
            Tasks = [new TaskDefinition { Id = "work", Activity = "core.sleep", With = new Dictionary<string, JsonElement> { ["duration"] = JsonSerializer.SerializeToElement(duration) } }],
        };
        var plan = WorkflowPlan.Compile(definition, _services.GetRequiredService<ActivityRegistry>());
        var now = _clock.GetUtcNow();
        var (run, tasks) = RunProgress.New(plan, new RunContext
        {
            RunId = Guid.CreateVersion7(),
            WorkflowId = plan.WorkflowId,
            WorkflowVersion = plan.Version,
            Kind = RunKind.Manual,
            LogicalDate = now + logicalDateOffset,
            DataIntervalStart = now,
            DataIntervalEnd = now,
            Params = new Dictionary<string, JsonElement>(),
        }, now);
        Assert.True(await _services.GetRequiredService<IRunQueue>().TryCreateRunAsync(run, tasks, CancellationToken.None));
        return (plan, run.Id);
    }

    private async Task<TaskInstanceRecord> TaskAsync(Guid runId)
        => (await _services.GetRequiredService<IRunStore>().GetDetailsAsync(runId, CancellationToken.None))!.Tasks.Single();

    private sealed class SinglePlan(WorkflowPlan plan) : IWorkflowPlans
    {
        public WorkflowPlan? Find(string workflowId, string version) => workflowId == plan.WorkflowId && version == plan.Version ? plan : null;
    }

    /// <summary>The database of the queue: while down, every call fails as a lost connection would.</summary>
    public class Outage : DispatchProxy
    {
        private IRunQueue _inner = null!;
        private Outage _state = null!;

        public bool Down { get; set; }

        public static IRunQueue Wrap(IRunQueue inner, Outage state)
        {
            var proxy = Create<IRunQueue, Outage>();
            ((Outage)(object)proxy)._inner = inner;
            ((Outage)(object)proxy)._state = state;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
            => _state.Down
                ? throw new InvalidOperationException("the database does not answer")
                : targetMethod!.Invoke(_inner, args);
    }
}
