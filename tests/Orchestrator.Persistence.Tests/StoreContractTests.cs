using Microsoft.Extensions.Logging;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using static Orchestrator.Persistence.Tests.Samples;

namespace Orchestrator.Persistence.Tests;

/// <summary>The stores of one provider, and what to dispose when the test ends.</summary>
public sealed record StoreSet(IWorkflowVersionStore Versions, IRunStore Runs, ITaskLogStore Logs, IWorkflowStateStore States, IAsyncDisposable? Owner = null);

/// <summary>
/// The behaviour every store must share, written once and run against each implementation: the in-memory
/// reference and every database provider. Each test gets empty stores.
/// </summary>
public abstract class StoreContractTests : IAsyncLifetime
{
    private StoreSet _stores = null!;

    protected IWorkflowVersionStore Versions => _stores.Versions;

    protected IRunStore Runs => _stores.Runs;

    protected ITaskLogStore Logs => _stores.Logs;

    protected IWorkflowStateStore States => _stores.States;

    private static CancellationToken Token => CancellationToken.None;

    /// <summary>New, empty stores.</summary>
    protected abstract Task<StoreSet> CreateStoresAsync();

    public async Task InitializeAsync() => _stores = await CreateStoresAsync();

    public async Task DisposeAsync()
    {
        if (_stores.Owner is { } owner)
        {
            await owner.DisposeAsync();
        }
    }

    [Fact]
    public async Task ScheduleProgressAsync_KeepsTheFirstSeenInstant_AndTheCursorOnlyMovesForward()
    {
        Assert.Equal(new ScheduleProgress(T0, null), await States.ScheduleProgressAsync("orders", T0, Token));
        Assert.Equal(new ScheduleProgress(T0, null), await States.ScheduleProgressAsync("orders", T0.AddHours(1), Token));

        await States.AdvanceScheduleCursorAsync("orders", T0.AddHours(3), Token);
        await States.AdvanceScheduleCursorAsync("orders", T0.AddHours(2), Token);
        await States.SetPausedAsync("orders", true, Token);

        Assert.Equal(new ScheduleProgress(T0, T0.AddHours(3)), await States.ScheduleProgressAsync("orders", T0.AddHours(4), Token));
        Assert.Contains("orders", await States.PausedAsync(Token));
    }

    [Fact]
    public async Task ScheduleProgressAsync_RecordsFirstSeen_WhenThePausedRowExistsAlready()
    {
        await States.SetPausedAsync("orders", true, Token);

        Assert.Equal(new ScheduleProgress(T0, null), await States.ScheduleProgressAsync("orders", T0, Token));
    }

    [Fact]
    public async Task SaveAsync_StoresEveryField_WhenVersionIsNew()
    {
        var version = new WorkflowVersionRecord("orders", "0123456789abcdef", "{\n  \"id\": \"orders\"\n}", T0);

        await Versions.SaveAsync(version, Token);

        Assert.Equal(version, await Versions.FindAsync("orders", "0123456789abcdef", Token));
    }

    [Fact]
    public async Task SaveAsync_KeepsFirstDefinition_WhenVersionAlreadyExists()
    {
        var first = new WorkflowVersionRecord("orders", "v1", "{\"first\":true}", T0);

        await Versions.SaveAsync(first, Token);
        await Versions.SaveAsync(first with { DefinitionJson = "{\"second\":true}", CreatedAt = T0.AddHours(1) }, Token);

        Assert.Equal(first, await Versions.FindAsync("orders", "v1", Token));
        Assert.Single(await Versions.ListAsync("orders", Token));
    }

    [Fact]
    public async Task FindAsync_ReturnsNull_WhenVersionIsUnknown()
    {
        await Versions.SaveAsync(new WorkflowVersionRecord("orders", "v1", "{}", T0), Token);

        Assert.Null(await Versions.FindAsync("orders", "v2", Token));
        Assert.Null(await Versions.FindAsync("other", "v1", Token));
    }

    [Fact]
    public async Task ListAsync_ReturnsVersionsOfOneWorkflowNewestFirst_WhenSeveralExist()
    {
        await Versions.SaveAsync(new WorkflowVersionRecord("orders", "old", "{}", T0), Token);
        await Versions.SaveAsync(new WorkflowVersionRecord("orders", "new", "{}", T0.AddMinutes(1)), Token);
        await Versions.SaveAsync(new WorkflowVersionRecord("orders", "middle", "{}", T0.AddTicks(10)), Token);
        await Versions.SaveAsync(new WorkflowVersionRecord("other", "x", "{}", T0.AddDays(1)), Token);

        var list = await Versions.ListAsync("orders", Token);

        Assert.Equal(["new", "middle", "old"], list.Select(v => v.Version));
    }

    [Fact]
    public async Task CreateAsync_RoundTripsEveryRunField_WhenOptionalFieldsAreSet()
    {
        var run = FullRun();

        await Runs.CreateAsync(run, [FullTask(run.Id, "extract")], Token);

        RecordAssert.Equal(run, await Runs.FindAsync(run.Id, Token));
        var details = await Runs.GetDetailsAsync(run.Id, Token);
        Assert.NotNull(details);
        RecordAssert.Equal(run, details.Run);
        RecordAssert.Equal([FullTask(run.Id, "extract")], details.Tasks);
        Assert.Empty(details.Attempts);
    }

    [Fact]
    public async Task CreateAsync_RoundTripsNullsAndEmptyParams_WhenOptionalFieldsAreAbsent()
    {
        var run = Run();
        var task = Task(run.Id, "extract");

        await Runs.CreateAsync(run, [task], Token);

        var details = await Runs.GetDetailsAsync(run.Id, Token);
        Assert.NotNull(details);
        RecordAssert.Equal(run, details.Run);
        Assert.Empty(details.Run.Params);
        Assert.Null(details.Run.StartedAt);
        Assert.Null(details.Run.EndedAt);
        Assert.Null(details.Run.Error);
        var stored = Assert.Single(details.Tasks);
        RecordAssert.Equal(task, stored);
        Assert.Null(stored.Outputs);
        Assert.Null(stored.NextAttemptAt);
    }

    [Fact]
    public async Task CreateAsync_KeepsTheInstantToTheTick_WhenOffsetIsNotUtc()
    {
        var run = Run(createdAt: T0);

        await Runs.CreateAsync(run, [], Token);

        var stored = await Runs.FindAsync(run.Id, Token);
        Assert.NotNull(stored);
        Assert.Equal(T0.UtcTicks, stored.CreatedAt.UtcTicks);
        Assert.Equal(run.LogicalDate.UtcTicks, stored.LogicalDate.UtcTicks);
    }

    [Fact]
    public async Task CreateAsync_RoundTripsEveryRunStateAndKind_WhenEachIsStored()
    {
        var kinds = Enum.GetValues<RunKind>();
        var expected = Enum.GetValues<RunState>()
            .Select((state, i) => Run(state: state) with { Kind = kinds[i % kinds.Length] })
            .ToList();

        foreach (var run in expected)
        {
            await Runs.CreateAsync(run, [], Token);
        }

        foreach (var run in expected)
        {
            RecordAssert.Equal(run, await Runs.FindAsync(run.Id, Token));
        }

        Assert.All(kinds, kind => Assert.Contains(expected, r => r.Kind == kind));
    }

    [Fact]
    public async Task CreateAsync_RoundTripsEveryTaskState_WhenEachIsStored()
    {
        var run = Run();
        var tasks = Enum.GetValues<TaskState>().Select(state => Task(run.Id, "t-" + Orchestrator.Core.Json.WireNames.Of(state), state)).ToList();

        await Runs.CreateAsync(run, tasks, Token);

        var details = await Runs.GetDetailsAsync(run.Id, Token);
        Assert.NotNull(details);
        RecordAssert.Equal(tasks, details.Tasks);
    }

    [Fact]
    public async Task CreateAsync_Throws_WhenRunIdExists()
    {
        var run = Run();
        await Runs.CreateAsync(run, [Task(run.Id, "a")], Token);

        await Assert.ThrowsAsync<InvalidOperationException>(() => Runs.CreateAsync(run with { WorkflowId = "other" }, [Task(run.Id, "b")], Token));

        var details = await Runs.GetDetailsAsync(run.Id, Token);
        Assert.Equal("orders", details!.Run.WorkflowId);
        Assert.Equal(["a"], details.Tasks.Select(t => t.TaskId));
    }

    [Fact]
    public async Task GetDetailsAsync_ReturnsTasksInDefinitionOrder_WhenIdsAreNotSorted()
    {
        var run = Run();
        string[] order = ["load", "extract", "zeta", "alpha", "transform"];

        await Runs.CreateAsync(run, order.Select(id => Task(run.Id, id)).ToList(), Token);
        await Runs.SaveAsync(new RunChanges(null, [Task(run.Id, "alpha", TaskState.Queued), Task(run.Id, "load", TaskState.Running)], []), Token);

        var details = await Runs.GetDetailsAsync(run.Id, Token);
        Assert.Equal(order, details!.Tasks.Select(t => t.TaskId));
    }

    [Fact]
    public async Task GetDetailsAsync_ReturnsNull_WhenRunIsUnknown()
    {
        await Runs.CreateAsync(Run(), [], Token);

        Assert.Null(await Runs.GetDetailsAsync(Guid.NewGuid(), Token));
        Assert.Null(await Runs.FindAsync(Guid.NewGuid(), Token));
    }

    [Fact]
    public async Task SaveAsync_UpdatesRunTasksAndAttempts_WhenRowsExist()
    {
        var run = Run();
        await Runs.CreateAsync(run, [Task(run.Id, "extract"), Task(run.Id, "load")], Token);
        var started = Attempt(run.Id, "extract", 1);
        await Runs.SaveAsync(new RunChanges(
            run with { State = RunState.Running, StartedAt = T0.AddSeconds(1) },
            [Task(run.Id, "extract", TaskState.Running) with { Attempts = 1, StartedAt = T0.AddSeconds(1) }],
            [started]), Token);

        var finishedRun = run with { State = RunState.Succeeded, StartedAt = T0.AddSeconds(1), EndedAt = T0.AddSeconds(9) };
        var finishedTask = FullTask(run.Id, "extract") with { Error = null };
        var finishedAttempt = started with { EndedAt = T0.AddSeconds(2).AddTicks(90), Outcome = AttemptOutcome.Succeeded };
        await Runs.SaveAsync(new RunChanges(finishedRun, [finishedTask], [finishedAttempt]), Token);

        var details = await Runs.GetDetailsAsync(run.Id, Token);
        Assert.NotNull(details);
        RecordAssert.Equal(finishedRun, details.Run);
        RecordAssert.Equal([finishedTask, Task(run.Id, "load")], details.Tasks);
        Assert.Equal([finishedAttempt], details.Attempts);
    }

    [Fact]
    public async Task SaveAsync_ClearsOptionalFields_WhenUpdatedToNull()
    {
        var run = FullRun();
        var task = FullTask(run.Id, "extract");
        var attempt = Attempt(run.Id, "extract", 1) with { EndedAt = T0.AddSeconds(5), Outcome = AttemptOutcome.Failed, Error = "boom" };
        await Runs.CreateAsync(run, [task], Token);
        await Runs.SaveAsync(new RunChanges(null, [], [attempt]), Token);

        var clearedRun = run with { StartedAt = null, EndedAt = null, Error = null };
        var clearedTask = task with { NextAttemptAt = null, StartedAt = null, EndedAt = null, Outputs = null, Error = null };
        var clearedAttempt = attempt with { EndedAt = null, Outcome = null, Error = null };
        await Runs.SaveAsync(new RunChanges(clearedRun, [clearedTask], [clearedAttempt]), Token);

        var details = await Runs.GetDetailsAsync(run.Id, Token);
        Assert.NotNull(details);
        RecordAssert.Equal(clearedRun, details.Run);
        RecordAssert.Equal([clearedTask], details.Tasks);
        Assert.Equal([clearedAttempt], details.Attempts);
    }

    [Fact]
    public async Task SaveAsync_LeavesOtherTasksAndTheRunAlone_WhenOnlySomeTasksChange()
    {
        var run = FullRun();
        var untouched = FullTask(run.Id, "b");
        await Runs.CreateAsync(run, [Task(run.Id, "a"), untouched], Token);

        var changed = Task(run.Id, "a", TaskState.Queued);
        await Runs.SaveAsync(new RunChanges(null, [changed], []), Token);

        var details = await Runs.GetDetailsAsync(run.Id, Token);
        Assert.NotNull(details);
        RecordAssert.Equal(run, details.Run);
        RecordAssert.Equal([changed, untouched], details.Tasks);
    }

    [Fact]
    public async Task SaveAsync_KeepsLastChange_WhenTheSameKeyAppearsTwice()
    {
        var run = Run();
        await Runs.CreateAsync(run, [Task(run.Id, "a")], Token);

        var attempt = Attempt(run.Id, "a", 1);
        await Runs.SaveAsync(new RunChanges(
            null,
            [Task(run.Id, "a", TaskState.Queued), Task(run.Id, "a", TaskState.Running)],
            [attempt, attempt with { Outcome = AttemptOutcome.Succeeded }]), Token);

        var details = await Runs.GetDetailsAsync(run.Id, Token);
        Assert.Equal(TaskState.Running, Assert.Single(details!.Tasks).State);
        Assert.Equal(AttemptOutcome.Succeeded, Assert.Single(details.Attempts).Outcome);
    }

    [Fact]
    public async Task GetDetailsAsync_OrdersAttemptsByTaskThenNumber_WhenSavedOutOfOrder()
    {
        var run = Run();
        await Runs.CreateAsync(run, [Task(run.Id, "b"), Task(run.Id, "a"), Task(run.Id, "B")], Token);
        var outcomes = Enum.GetValues<AttemptOutcome>();

        await Runs.SaveAsync(new RunChanges(null, [], [Attempt(run.Id, "b", 2), Attempt(run.Id, "a", 1)]), Token);
        await Runs.SaveAsync(new RunChanges(null, [], [Attempt(run.Id, "b", 10), Attempt(run.Id, "B", 1)]), Token);
        await Runs.SaveAsync(new RunChanges(null, [], [Attempt(run.Id, "b", 1), Attempt(run.Id, "a", 2)]), Token);
        var finished = new List<AttemptRecord>();
        for (var i = 0; i < outcomes.Length; i++)
        {
            finished.Add(Attempt(run.Id, "a", 3 + i) with { EndedAt = T0.AddMinutes(i), Outcome = outcomes[i], Error = outcomes[i] == AttemptOutcome.Succeeded ? null : "why: " + Orchestrator.Core.Json.WireNames.Of(outcomes[i]) });
        }

        await Runs.SaveAsync(new RunChanges(null, [], finished), Token);

        var details = await Runs.GetDetailsAsync(run.Id, Token);
        Assert.Equal(
            ["B/1", "a/1", "a/2", .. Enumerable.Range(3, outcomes.Length).Select(n => $"a/{n}"), "b/1", "b/2", "b/10"],
            details!.Attempts.Select(a => $"{a.TaskId}/{a.Number}"));
        Assert.Equal(finished, details.Attempts.Where(a => a.TaskId == "a" && a.Number >= 3));
    }

    [Fact]
    public async Task SaveAsync_DoesNothing_WhenChangesAreEmpty()
    {
        var run = Run();
        await Runs.CreateAsync(run, [Task(run.Id, "a")], Token);

        await Runs.SaveAsync(new RunChanges(null, [], []), Token);

        RecordAssert.Equal(run, await Runs.FindAsync(run.Id, Token));
    }

    [Fact]
    public async Task ListAsync_ReturnsNewestFirstInPages_WhenManyRunsExist()
    {
        var runs = Enumerable.Range(0, 7).Select(i => Run(createdAt: T0.AddSeconds(i))).ToList();
        foreach (var run in runs.OrderBy(_ => Guid.NewGuid()))
        {
            await Runs.CreateAsync(run, [], Token);
        }

        var first = await Runs.ListAsync(new RunFilter(), new Page(0, 3), Token);
        var second = await Runs.ListAsync(new RunFilter(), new Page(3, 3), Token);
        var last = await Runs.ListAsync(new RunFilter(), new Page(6, 3), Token);
        var past = await Runs.ListAsync(new RunFilter(), new Page(7, 3), Token);

        var newestFirst = runs.AsEnumerable().Reverse().Select(r => r.Id).ToList();
        Assert.Equal(newestFirst[..3], first.Select(r => r.Id));
        Assert.Equal(newestFirst[3..6], second.Select(r => r.Id));
        Assert.Equal(newestFirst[6..], last.Select(r => r.Id));
        Assert.Empty(past);
        RecordAssert.Equal(runs[6], first[0]);
    }

    [Fact]
    public async Task ListAsync_PagesAfterACursorWithoutGapsOrRepeats_WhenRunsShareTheirCreationInstant()
    {
        // Ties on created_at (runs of one backfill) are broken by id, so a page ends between two of them safely.
        var runs = Enumerable.Range(0, 9).Select(i => Run(i % 3 == 0 ? "a" : "b", createdAt: T0.AddSeconds(i / 4))).ToList();
        foreach (var run in runs)
        {
            await Runs.CreateAsync(run, [], Token);
        }

        foreach (var filter in new[] { new RunFilter(), new RunFilter("b"), new RunFilter(State: RunState.Queued) })
        {
            var whole = (await Runs.ListAsync(filter, new Page(0, 100), Token)).Select(r => r.Id).ToList();
            var paged = new List<Guid>();
            ListCursor? after = null;
            for (var pages = 0; pages < 10; pages++)
            {
                var page = await Runs.ListAsync(filter, new Page(Take: 2, After: after), Token);
                paged.AddRange(page.Select(r => r.Id));
                if (page.Count < 2)
                {
                    break;
                }

                after = new ListCursor(page[^1].CreatedAt, page[^1].Id);
            }

            Assert.Equal(runs.Count(r => filter.WorkflowId is null || r.WorkflowId == filter.WorkflowId), whole.Count);
            Assert.Equal(whole, paged);
        }
    }

    [Fact]
    public async Task ListAsync_FiltersByWorkflowAndState_WhenFilterIsGiven()
    {
        var a1 = Run("a", T0, RunState.Failed);
        var a2 = Run("a", T0.AddSeconds(1), RunState.Succeeded);
        var a3 = Run("a", T0.AddSeconds(2), RunState.Failed);
        var b1 = Run("b", T0.AddSeconds(3), RunState.Failed);
        foreach (var run in new[] { a1, a2, a3, b1 })
        {
            await Runs.CreateAsync(run, [], Token);
        }

        Assert.Equal([a3.Id, a2.Id, a1.Id], (await Runs.ListAsync(new RunFilter("a"), new Page(), Token)).Select(r => r.Id));
        Assert.Equal([b1.Id, a3.Id, a1.Id], (await Runs.ListAsync(new RunFilter(State: RunState.Failed), new Page(), Token)).Select(r => r.Id));
        Assert.Equal([a3.Id, a1.Id], (await Runs.ListAsync(new RunFilter("a", RunState.Failed), new Page(), Token)).Select(r => r.Id));
        Assert.Equal([a1.Id], (await Runs.ListAsync(new RunFilter("a", RunState.Failed), new Page(1, 5), Token)).Select(r => r.Id));
        Assert.Empty(await Runs.ListAsync(new RunFilter("c"), new Page(), Token));
        Assert.Empty(await Runs.ListAsync(new RunFilter(State: RunState.Running), new Page(), Token));
    }

    [Fact]
    public async Task ListAsync_OrdersByInstant_WhenOffsetsDiffer()
    {
        // 10:00 at +02:00 is 08:00 UTC, earlier than 09:00 UTC although its local text sorts later.
        var earlier = Run(createdAt: new DateTimeOffset(2025, 1, 1, 10, 0, 0, TimeSpan.FromHours(2)));
        var later = Run(createdAt: new DateTimeOffset(2025, 1, 1, 9, 0, 0, TimeSpan.Zero));
        var latest = Run(createdAt: new DateTimeOffset(2025, 1, 1, 5, 0, 0, TimeSpan.FromHours(-5)));
        foreach (var run in new[] { earlier, later, latest })
        {
            await Runs.CreateAsync(run, [], Token);
        }

        var list = await Runs.ListAsync(new RunFilter(), new Page(), Token);

        Assert.Equal([latest.Id, later.Id, earlier.Id], list.Select(r => r.Id));
    }

    [Fact]
    public async Task ListAsync_BreaksTiesByIdDescending_WhenCreatedAtIsEqual()
    {
        var runs = Enumerable.Range(0, 12).Select(_ => Run(createdAt: T0)).ToList();
        foreach (var run in runs)
        {
            await Runs.CreateAsync(run, [], Token);
        }

        var list = await Runs.ListAsync(new RunFilter(), new Page(0, 100), Token);

        Assert.Equal(runs.Select(r => r.Id).OrderDescending(), list.Select(r => r.Id));
    }

    [Fact]
    public async Task ReadAsync_RoundTripsEveryField_WhenLinesAreAppended()
    {
        var runId = Guid.NewGuid();
        var lines = Enum.GetValues<LogLevel>().Select((level, i) => Line(runId, "extract", 1, i + 1, level)).ToList();
        lines.Add(Line(runId, "extract", 1, lines.Count + 1) with { Message = "multi\nline ünïcode ✓ \"quoted\"" });

        await Logs.AppendAsync(lines, Token);

        Assert.Equal(lines, await Logs.ReadAsync(runId, "extract", null, 0, 100, Token));
    }

    [Fact]
    public async Task ReadAsync_PagesInAttemptAndSequenceOrder_WhenAfterSequenceAndLimitAreGiven()
    {
        var runId = Guid.NewGuid();
        var attempt1 = Enumerable.Range(1, 5).Select(n => Line(runId, "load", 1, n)).ToList();
        var attempt2 = Enumerable.Range(1, 4).Select(n => Line(runId, "load", 2, n)).ToList();
        await Logs.AppendAsync(attempt2[2..], Token);
        await Logs.AppendAsync(attempt1, Token);
        await Logs.AppendAsync(attempt2[..2], Token);
        var all = attempt1.Concat(attempt2).ToList();

        var pages = new List<IReadOnlyList<TaskLogLine>>();
        var after = 0L;
        while (true)
        {
            var page = await Logs.ReadAsync(runId, "load", null, after, 4, Token);
            if (page.Count == 0)
            {
                break;
            }

            pages.Add(page);
            after = page[^1].Sequence;
        }

        Assert.Equal([4, 4, 1], pages.Select(p => p.Count));
        Assert.Equal(all, pages.SelectMany(p => p));
        Assert.Equal(all[3..], await Logs.ReadAsync(runId, "load", null, all[2].Sequence, 100, Token));
    }

    [Fact]
    public async Task ReadAsync_ReturnsOneAttempt_WhenAttemptIsGiven()
    {
        var runId = Guid.NewGuid();
        var attempt1 = Enumerable.Range(1, 3).Select(n => Line(runId, "load", 1, n)).ToList();
        var attempt2 = Enumerable.Range(1, 3).Select(n => Line(runId, "load", 2, n, LogLevel.Error)).ToList();
        await Logs.AppendAsync([.. attempt1, .. attempt2], Token);

        Assert.Equal(attempt2, await Logs.ReadAsync(runId, "load", 2, 0, 100, Token));
        Assert.Equal(attempt1[1..], await Logs.ReadAsync(runId, "load", 1, attempt1[0].Sequence, 100, Token));
        Assert.Equal(attempt2[..2], await Logs.ReadAsync(runId, "load", 2, 0, 2, Token));
        Assert.Empty(await Logs.ReadAsync(runId, "load", 3, 0, 100, Token));
    }

    [Fact]
    public async Task ReadAsync_ReturnsOnlyTheTasksLines_WhenOtherTasksAndRunsHaveLines()
    {
        var runId = Guid.NewGuid();
        var mine = Line(runId, "load", 1, 1);
        await Logs.AppendAsync([Line(runId, "extract", 1, 1), mine, Line(Guid.NewGuid(), "load", 1, 1)], Token);

        Assert.Equal([mine], await Logs.ReadAsync(runId, "load", null, 0, 100, Token));
        Assert.Empty(await Logs.ReadAsync(runId, "transform", null, 0, 100, Token));
    }

    [Fact]
    public async Task AppendAsync_DoesNothing_WhenBatchIsEmpty()
    {
        var runId = Guid.NewGuid();

        await Logs.AppendAsync([], Token);

        Assert.Empty(await Logs.ReadAsync(runId, "load", null, 0, 100, Token));
    }
}
