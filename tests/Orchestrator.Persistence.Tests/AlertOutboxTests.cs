using Orchestrator.Core.Alerts;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;

namespace Orchestrator.Persistence.Tests;

/// <summary>
/// The alert outbox in the database: alerts are written by the run queue with the state changes that cause them,
/// keyed once per event and channel, leased to one dispatcher, and repeats within the throttle window folded.
/// </summary>
public abstract class AlertOutboxTests(QueueKind kind) : IAsyncLifetime
{
    private static readonly TimeSpan Window = TimeSpan.FromHours(1);

    private readonly QueueWorkerFixture _f = new(kind, new AlertRouting(
    [
        new AlertRule { On = [AlertEvent.RunFailed], Notify = ["email:ops"] },
    ]));

    private IAlertOutbox Outbox => _f.Outbox!;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _f.DisposeAsync().AsTask();

    private const string Failing = """
        { "id": "failing",
          "alerts": [ { "on": ["task_failed", "task_retry", "run_failed"], "notify": ["email:team", "slack:alerts"] },
                      { "on": ["run_succeeded", "run_recovered"], "notify": ["slack:alerts"] } ],
          "tasks": [ { "id": "boom", "activity": "core.fail", "retries": 1, "retryDelay": "PT1S", "with": { "failAttempts": {{FAILS}}, "message": "disk full" } } ] }
        """;

    private Task<IReadOnlyList<AlertRecord>> AllAsync() => Outbox.ListAsync(new AlertFilter(), new Page(0, 500), CancellationToken.None);

    private async Task<Core.Storage.RunDetails> RunAsync(int failAttempts, DateTimeOffset logicalDate)
    {
        var plan = _f.Plan(Failing.Replace("{{FAILS}}", failAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var runId = await _f.CreateRunAsync(plan, logicalDate);
        var worker = _f.Worker("node-1");
        for (var i = 0; i < 20; i++)
        {
            await worker.StepAsync();
            await worker.AttemptsEndedAsync();
            _f.Clock.Advance(TimeSpan.FromSeconds(2));
            if ((await _f.Store.FindAsync(runId, CancellationToken.None))!.State.IsFinal())
            {
                break;
            }
        }

        return (await _f.Store.GetDetailsAsync(runId, CancellationToken.None))!;
    }

    [Fact]
    public async Task Queue_WritesAlertsPerRuleAndChannel_WhenATaskExhaustsItsRetries()
    {
        var run = await RunAsync(failAttempts: 5, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal(RunState.Failed, run.Run.State);

        var alerts = await AllAsync();
        var summary = alerts.Select(a => $"{Core.Json.WireNames.Of(a.Event)} {a.Channel} {a.TaskId} {a.Attempt}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
        [
            "run_failed email:ops boom 2",
            "run_failed email:team boom 2",
            "run_failed slack:alerts boom 2",
            "task_failed email:team boom 2",
            "task_failed slack:alerts boom 2",
            "task_retry email:team boom 1",
            "task_retry slack:alerts boom 1",
        ], summary);
        Assert.All(alerts, a =>
        {
            Assert.Equal(AlertState.Pending, a.State);
            Assert.Equal(run.Run.Id, a.RunId);
            Assert.Equal(run.Run.LogicalDate, a.LogicalDate);
            Assert.Contains("disk full", a.Error);
        });
        Assert.Equal(alerts.Count, alerts.Select(a => a.Key).Distinct().Count());
    }

    [Fact]
    public async Task Queue_WritesRunRecovered_OnlyForTheFirstSuccessAfterAFailure()
    {
        await RunAsync(failAttempts: 5, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var recovered = await RunAsync(failAttempts: 0, new DateTimeOffset(2026, 1, 1, 1, 0, 0, TimeSpan.Zero));
        var again = await RunAsync(failAttempts: 0, new DateTimeOffset(2026, 1, 1, 2, 0, 0, TimeSpan.Zero));

        var alerts = await AllAsync();
        Assert.Equal(recovered.Run.Id, Assert.Single(alerts, a => a.Event == AlertEvent.RunRecovered).RunId);
        Assert.Equal(
            [recovered.Run.Id, again.Run.Id],
            alerts.Where(a => a.Event == AlertEvent.RunSucceeded).OrderBy(a => a.OccurredAt).Select(a => a.RunId!.Value));
    }

    private AlertRecord Alert(string key, string task, DateTimeOffset at) => new()
    {
        Id = Guid.CreateVersion7(at),
        Key = key,
        Event = AlertEvent.TaskFailed,
        Channel = "email:team",
        WorkflowId = "wf",
        TaskId = task,
        OccurredAt = at,
        NextAttemptAt = at,
    };

    [Fact]
    public async Task Add_KeepsOneAlertPerKey_WhenTheSameEventIsAddedTwice()
    {
        var now = _f.Clock.GetUtcNow();
        Assert.Equal(2, await Outbox.AddAsync([Alert("a", "t1", now), Alert("b", "t2", now)], CancellationToken.None));
        Assert.Equal(1, await Outbox.AddAsync([Alert("a", "t1", now), Alert("c", "t3", now)], CancellationToken.None));

        Assert.Equal(["a", "b", "c"], (await AllAsync()).Select(a => a.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Claim_LeasesAnAlertToOneDispatcher_UntilItsLeaseRunsOut()
    {
        var now = _f.Clock.GetUtcNow();
        await Outbox.AddAsync([Alert("a", "t1", now)], CancellationToken.None);

        var first = await Outbox.ClaimAsync(new AlertClaim("node-1", 10, now, now + TimeSpan.FromMinutes(2), Window), CancellationToken.None);
        var second = await Outbox.ClaimAsync(new AlertClaim("node-2", 10, now, now + TimeSpan.FromMinutes(2), Window), CancellationToken.None);
        var later = now + TimeSpan.FromMinutes(3);
        var afterExpiry = await Outbox.ClaimAsync(new AlertClaim("node-2", 10, later, later + TimeSpan.FromMinutes(2), Window), CancellationToken.None);

        Assert.Equal(1, Assert.Single(first).Deliveries);
        Assert.Empty(second);
        Assert.Equal(2, Assert.Single(afterExpiry).Deliveries);

        // The first dispatcher's late answer is recorded, but the alert is the second one's now.
        Assert.False(await Outbox.CompleteAsync(new AlertDeliveryResult(first[0].Id, "node-1", now, later, null, null), CancellationToken.None));
        Assert.True(await Outbox.CompleteAsync(new AlertDeliveryResult(first[0].Id, "node-2", later, later, null, null), CancellationToken.None));
        var details = (await Outbox.FindAsync(first[0].Id, CancellationToken.None))!;
        Assert.Equal(AlertState.Sent, details.Alert.State);
        Assert.Equal(["node-1", "node-2"], details.Deliveries.Select(d => d.Node));
    }

    [Fact]
    public async Task Complete_SchedulesTheNextAttemptOrGivesUp_WhenADeliveryFails()
    {
        var now = _f.Clock.GetUtcNow();
        await Outbox.AddAsync([Alert("a", "t1", now), Alert("b", "t2", now)], CancellationToken.None);
        var claimed = await Outbox.ClaimAsync(new AlertClaim("node-1", 10, now, now + TimeSpan.FromMinutes(2), Window), CancellationToken.None);
        var retryAt = now + TimeSpan.FromSeconds(10);

        await Outbox.CompleteAsync(new AlertDeliveryResult(claimed[0].Id, "node-1", now, now, "connection refused", retryAt), CancellationToken.None);
        await Outbox.CompleteAsync(new AlertDeliveryResult(claimed[1].Id, "node-1", now, now, "channel not configured", null), CancellationToken.None);

        Assert.Empty(await Outbox.ClaimAsync(new AlertClaim("node-1", 10, now, now + TimeSpan.FromMinutes(2), Window), CancellationToken.None));
        Assert.Equal(retryAt, await Outbox.NextDueAsync(CancellationToken.None));
        Assert.Equal(1, await Outbox.PendingCountAsync(CancellationToken.None)); // the one to retry; the other gave up
        var due = await Outbox.ClaimAsync(new AlertClaim("node-1", 10, retryAt, retryAt + TimeSpan.FromMinutes(2), Window), CancellationToken.None);
        Assert.Equal(claimed[0].Id, Assert.Single(due).Id);
        var givenUp = (await Outbox.FindAsync(claimed[1].Id, CancellationToken.None))!.Alert;
        Assert.Equal(AlertState.Failed, givenUp.State);
        Assert.Equal("channel not configured", givenUp.LastError);
    }

    [Fact]
    public async Task Claim_TellsTheFirstMessageAfterTheWindow_HowManyRepeatsWereHeldBackAfterThePreviousOne()
    {
        var now = _f.Clock.GetUtcNow();
        var lease = TimeSpan.FromMinutes(2);
        await Outbox.AddAsync([Alert("first", "t", now)], CancellationToken.None);
        var first = Assert.Single(await Outbox.ClaimAsync(new AlertClaim("node-1", 10, now, now + lease, Window), CancellationToken.None));
        await Outbox.CompleteAsync(new AlertDeliveryResult(first.Id, "node-1", now, now, null, null), CancellationToken.None);

        // Two repeats after the message went out: held back.
        var soon = now + TimeSpan.FromMinutes(5);
        await Outbox.AddAsync([Alert("repeat-1", "t", soon), Alert("repeat-2", "t", soon)], CancellationToken.None);
        Assert.Empty(await Outbox.ClaimAsync(new AlertClaim("node-1", 10, soon, soon + lease, Window), CancellationToken.None));

        var later = now + Window + TimeSpan.FromMinutes(1);
        await Outbox.AddAsync([Alert("after-window", "t", later) with { Detail = "disk full" }], CancellationToken.None);
        var next = Assert.Single(await Outbox.ClaimAsync(new AlertClaim("node-1", 10, later, later + lease, Window), CancellationToken.None));

        Assert.Equal($"disk full\n2 repeats were throttled after the previous message ({Core.Templates.TemplateScope.Iso(now)})", next.Detail);
    }

    [Fact]
    public async Task Claim_FoldsRepeatsIntoTheFirstAlert_WithinTheThrottleWindowOnly()
    {
        var now = _f.Clock.GetUtcNow();
        await Outbox.AddAsync([Alert("first", "t", now)], CancellationToken.None);
        var first = Assert.Single(await Outbox.ClaimAsync(new AlertClaim("node-1", 10, now, now + TimeSpan.FromMinutes(2), Window), CancellationToken.None));

        // The first one is still on its way (its channel is down) when two repeats come; another task is not a repeat.
        await Outbox.CompleteAsync(new AlertDeliveryResult(first.Id, "node-1", now, now, "connection refused", now + TimeSpan.FromMinutes(30)), CancellationToken.None);
        var soon = now + TimeSpan.FromMinutes(10);
        await Outbox.AddAsync([Alert("repeat-1", "t", soon), Alert("repeat-2", "t", soon + TimeSpan.FromSeconds(1)), Alert("other", "u", soon)], CancellationToken.None);
        var claimed = await Outbox.ClaimAsync(new AlertClaim("node-2", 10, soon + TimeSpan.FromSeconds(1), soon + TimeSpan.FromMinutes(2), Window), CancellationToken.None);
        Assert.Equal(["other"], claimed.Select(a => a.Key));

        var details = (await Outbox.FindAsync(first.Id, CancellationToken.None))!;
        Assert.Equal(3, details.Alert.Occurrences);
        Assert.Equal(["repeat-1", "repeat-2"], details.Throttled.Select(a => a.Key));
        Assert.All(details.Throttled, a => Assert.Equal(AlertState.Throttled, a.State));

        // Past the window a repeat is a new message.
        var later = now + Window + TimeSpan.FromMinutes(1);
        await Outbox.AddAsync([Alert("after-window", "t", later)], CancellationToken.None);
        var afterWindow = await Outbox.ClaimAsync(new AlertClaim("node-1", 10, later, later + TimeSpan.FromMinutes(2), Window), CancellationToken.None);
        Assert.Null(Assert.Single(afterWindow, a => a.Key == "after-window").GroupId);
        Assert.Equal(3, (await Outbox.FindAsync(first.Id, CancellationToken.None))!.Alert.Occurrences);
    }
}

public sealed class SqliteAlertOutboxTests() : AlertOutboxTests(QueueKind.Sqlite);

public sealed class PostgresAlertOutboxTests() : AlertOutboxTests(QueueKind.Postgres);
