using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;

namespace Orchestrator.Persistence.Tests;

/// <summary>
/// The ledger of trigger batches, on each queue: an event run is created with the offset ranges of its batch, and a
/// partition's first offset is launched once per consumer group, however often (or by however many nodes) the
/// batch is read.
/// </summary>
public abstract class TriggerBatchStoreTests(QueueKind kind) : IAsyncLifetime
{
    private readonly QueueWorkerFixture _f = new(kind);
    private WorkflowPlan? _plan;
    private long _dates;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _f.DisposeAsync().AsTask();

    private WorkflowPlan Plan => _plan ??= _f.Plan("""
        {
          "id": "ingest",
          "triggers": [ { "type": "kafka", "connection": "events", "topic": "orders" } ],
          "tasks": [ { "id": "load", "activity": "core.log", "with": { "message": "{{ trigger.count }}" } } ]
        }
        """);

    private (RunRecord Run, IReadOnlyList<TaskInstanceRecord> Tasks) EventRun(string group, params TriggerOffsets[] offsets)
    {
        var at = _f.Clock.GetUtcNow().AddTicks(Interlocked.Increment(ref _dates) * 10);
        return RunProgress.New(Plan, new RunContext
        {
            RunId = Guid.CreateVersion7(),
            WorkflowId = Plan.WorkflowId,
            WorkflowVersion = Plan.Version,
            Kind = RunKind.Event,
            LogicalDate = at,
            DataIntervalStart = at,
            DataIntervalEnd = at,
            Params = new Dictionary<string, System.Text.Json.JsonElement>(),
            Trigger = new RunTrigger
            {
                Type = "kafka",
                Connection = "events",
                Group = group,
                Path = $"triggers/ingest/{at.UtcTicks}.jsonl",
                Count = offsets.Sum(o => o.Count),
                Topics = offsets.Select(o => o.Topic).Distinct().ToList(),
                Offsets = offsets,
            },
        }, _f.Clock.GetUtcNow());
    }

    private static TriggerStream Stream(string group = "g") => new("ingest", "events", group);

    [Fact]
    public async Task TryCreateBatchRun_CreatesTheRunWithItsTrigger_AndRecordsEachPartitionsRange()
    {
        var (run, tasks) = EventRun("g", new TriggerOffsets("orders", 0, 10, 19, 10), new TriggerOffsets("orders", 1, 5, 7, 3));

        Assert.Equal(BatchRunCreation.Created, await _f.Batches.TryCreateBatchRunAsync(run, tasks, CancellationToken.None));

        var stored = await _f.Store.FindAsync(run.Id, CancellationToken.None);
        Assert.Equal(RunKind.Event, stored!.Kind);
        Assert.Equal(run.Trigger, stored.Trigger);
        var launched = await _f.Batches.FindLaunchedAsync(Stream(), [("orders", 0, 10), ("orders", 0, 19), ("orders", 1, 6)], CancellationToken.None);
        Assert.Equal(
            [new LaunchedRange("orders", 0, 10, 19, run.Id), new LaunchedRange("orders", 0, 10, 19, run.Id), new LaunchedRange("orders", 1, 5, 7, run.Id)],
            launched);
    }

    [Fact]
    public async Task HasLaunched_IsTrue_OnlyForTheStreamOfALaunchedBatch()
    {
        Assert.False(await _f.Batches.HasLaunchedAsync(Stream(), CancellationToken.None));
        var (run, tasks) = EventRun("g", new TriggerOffsets("orders", 0, 0, 0, 1));

        await _f.Batches.TryCreateBatchRunAsync(run, tasks, CancellationToken.None);

        Assert.True(await _f.Batches.HasLaunchedAsync(Stream(), CancellationToken.None));
        Assert.False(await _f.Batches.HasLaunchedAsync(Stream("other"), CancellationToken.None));
        Assert.False(await _f.Batches.HasLaunchedAsync(new TriggerStream("another-workflow", "events", "g"), CancellationToken.None));
    }

    [Fact]
    public async Task FindLaunched_ReturnsNothing_ForOffsetsOutsideEveryRange_OrOfAnotherGroup()
    {
        var (run, tasks) = EventRun("g", new TriggerOffsets("orders", 0, 10, 19, 10));
        await _f.Batches.TryCreateBatchRunAsync(run, tasks, CancellationToken.None);
        var (next, nextTasks) = EventRun("g", new TriggerOffsets("orders", 0, 30, 39, 10));
        await _f.Batches.TryCreateBatchRunAsync(next, nextTasks, CancellationToken.None);

        Assert.Empty(await _f.Batches.FindLaunchedAsync(Stream(), [("orders", 0, 9), ("orders", 0, 20), ("orders", 0, 29), ("orders", 0, 40)], CancellationToken.None));
        Assert.Empty(await _f.Batches.FindLaunchedAsync(Stream("other"), [("orders", 0, 10)], CancellationToken.None));
        Assert.Empty(await _f.Batches.FindLaunchedAsync(Stream(), [("orders", 1, 10), ("refunds", 0, 10)], CancellationToken.None));
        Assert.Equal(next.Id, Assert.Single(await _f.Batches.FindLaunchedAsync(Stream(), [("orders", 0, 35)], CancellationToken.None)).RunId);
    }

    [Fact]
    public async Task TryCreateBatchRun_CreatesNothing_WhenOnePartitionsFirstOffsetWasLaunched()
    {
        var (first, firstTasks) = EventRun("g", new TriggerOffsets("orders", 0, 10, 19, 10));
        await _f.Batches.TryCreateBatchRunAsync(first, firstTasks, CancellationToken.None);

        // Read again after a crash before the commit, with more records and another partition this time.
        var (again, againTasks) = EventRun("g", new TriggerOffsets("orders", 0, 10, 25, 16), new TriggerOffsets("orders", 1, 0, 4, 5));

        Assert.Equal(BatchRunCreation.AlreadyLaunched, await _f.Batches.TryCreateBatchRunAsync(again, againTasks, CancellationToken.None));
        Assert.Null(await _f.Store.FindAsync(again.Id, CancellationToken.None));
        Assert.Empty(await _f.Batches.FindLaunchedAsync(Stream(), [("orders", 1, 0), ("orders", 0, 25)], CancellationToken.None));
    }

    [Fact]
    public async Task TryCreateBatchRun_LaunchesTheSameOffsets_ForAnotherConsumerGroup()
    {
        var (first, firstTasks) = EventRun("g", new TriggerOffsets("orders", 0, 10, 19, 10));
        await _f.Batches.TryCreateBatchRunAsync(first, firstTasks, CancellationToken.None);
        var (other, otherTasks) = EventRun("renamed", new TriggerOffsets("orders", 0, 10, 19, 10));

        Assert.Equal(BatchRunCreation.Created, await _f.Batches.TryCreateBatchRunAsync(other, otherTasks, CancellationToken.None));
    }

    [Fact]
    public async Task TryCreateBatchRun_ReportsTheLogicalDateTaken_AndRecordsNoRange()
    {
        var (run, tasks) = EventRun("g", new TriggerOffsets("orders", 0, 10, 19, 10));
        await _f.CreateRunAsync(Plan, run.LogicalDate);

        Assert.Equal(BatchRunCreation.LogicalDateTaken, await _f.Batches.TryCreateBatchRunAsync(run, tasks, CancellationToken.None));
        Assert.Empty(await _f.Batches.FindLaunchedAsync(Stream(), [("orders", 0, 10)], CancellationToken.None));
    }

    [Fact]
    public async Task TryCreateBatchRun_CreatesOneRun_WhenTwoNodesLaunchTheSameBatchAtOnce()
    {
        var batches = Enumerable.Range(0, 4).Select(i => EventRun("g", new TriggerOffsets("orders", 0, 10, 19 + i, 10 + i))).ToList();

        var outcomes = await Task.WhenAll(batches.Select(b => Task.Run(() => _f.Batches.TryCreateBatchRunAsync(b.Run, b.Tasks, CancellationToken.None))));

        Assert.Equal(1, outcomes.Count(o => o == BatchRunCreation.Created));
        Assert.All(outcomes.Where(o => o != BatchRunCreation.Created), o => Assert.Equal(BatchRunCreation.AlreadyLaunched, o));
        var winner = batches[Array.IndexOf(outcomes, BatchRunCreation.Created)].Run;
        Assert.Equal(winner.Id, Assert.Single(await _f.Batches.FindLaunchedAsync(Stream(), [("orders", 0, 10)], CancellationToken.None)).RunId);
        Assert.Single(await _f.Store.ListAsync(new RunFilter("ingest"), new Page(), CancellationToken.None));
    }
}

public sealed class InMemoryTriggerBatchStoreTests() : TriggerBatchStoreTests(QueueKind.InMemory);

public sealed class SqliteTriggerBatchStoreTests() : TriggerBatchStoreTests(QueueKind.Sqlite);

public sealed class PostgresTriggerBatchStoreTests() : TriggerBatchStoreTests(QueueKind.Postgres);
