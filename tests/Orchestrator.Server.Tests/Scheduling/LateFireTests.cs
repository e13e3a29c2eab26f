using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Server.Scheduling;
using Orchestrator.Server.Tests.Support;
using Quartz;

namespace Orchestrator.Server.Tests.Scheduling;

/// <summary>
/// A trigger that fires hours late (the node was overloaded or down): the intervals that ended meanwhile still get
/// their runs with <c>catchup: true</c>, and only the latest with <c>catchup: false</c>. The late firing is the
/// scheduled job run by hand with the data its trigger carries, at a fake "now" three hours past its time.
/// </summary>
public abstract class LateFireTests(DatabaseProvider provider) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 4, 0, 0, TimeSpan.Zero);
    private FakeClockServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeClockServer.StartAsync(provider, Start.AddMinutes(90), new Dictionary<string, string>
    {
        ["all-missed"] = FakeClockServer.Hourly("all-missed", catchup: true, Start),
        ["latest-only"] = FakeClockServer.Hourly("latest-only", catchup: false, Start),
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task LateFire_CreatesTheIntervalsThatEndedMeanwhile_WhenCatchupIsTrue()
    {
        // Catch-up at start (05:30): the 04:00 interval. The trigger is armed for the end of the 05:00 one (06:00).
        await WaitForLogicalDatesAsync("all-missed", Hours(4));

        // The trigger fires only now, at 08:30: 05:00 is its own interval; 06:00 and 07:00 ended while it was late.
        _server.Clock.Advance(TimeSpan.FromHours(3));
        await FireLateAsync("all-missed", Hours(5)[0]);

        await WaitForLogicalDatesAsync("all-missed", Hours(4, 5, 6, 7));

        // The trigger also sees the clock jump and fires late (Quartz: as a misfire); once that settles, the next
        // trigger is the end of the interval in progress.
        var scheduler = _server.Services.GetRequiredService<WorkflowScheduler>();
        DateTimeOffset? next = null;
        await _server.WaitUntilAsync(async () => (next = await scheduler.NextFireAsync("all-missed", CancellationToken.None)) == Hours(9)[0],
            () => $"the next fire at 09:00; it is {next:O}");
        Assert.Equal(Hours(9)[0], next);
        await WaitForLogicalDatesAsync("all-missed", Hours(4, 5, 6, 7));
    }

    [Fact]
    public async Task LateFire_CreatesOnlyTheLatestInterval_WhenCatchupIsFalse()
    {
        await WaitForLogicalDatesAsync("latest-only", Hours(4));

        _server.Clock.Advance(TimeSpan.FromHours(3));
        await FireLateAsync("latest-only", Hours(5)[0]);

        // The trigger's own 05:00 interval is as missed as 06:00: only the latest, 07:00, runs.
        await WaitForLogicalDatesAsync("latest-only", Hours(4, 7));
    }

    /// <summary>
    /// Fires the workflow's trigger as it would fire, for the interval starting at <paramref name="logicalDate"/>: on
    /// PostgreSQL the Quartz job with the data its trigger carries, on SQLite (timers) the firing itself.
    /// </summary>
    private async Task FireLateAsync(string workflowId, DateTimeOffset logicalDate)
    {
        if (provider == DatabaseProvider.Sqlite)
        {
            await _server.Services.GetRequiredService<ScheduleFiring>().FireAsync(workflowId, _server.Clock.GetUtcNow(), CancellationToken.None);
            return;
        }

        var scheduler = await _server.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        var data = new JobDataMap
        {
            [ScheduledRunJob.WorkflowKey] = workflowId,
            [ScheduledRunJob.LogicalDateKey] = logicalDate.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        };
        await scheduler.TriggerJob(new JobKey(workflowId, QuartzScheduleTriggers.Group), data);
    }

    private static DateTimeOffset[] Hours(params int[] hours) => [.. hours.Select(h => new DateTimeOffset(2026, 1, 1, h, 0, 0, TimeSpan.Zero))];

    private async Task WaitForLogicalDatesAsync(string workflowId, DateTimeOffset[] expected)
    {
        DateTimeOffset[] actual = [];
        await _server.WaitUntilAsync(async () =>
        {
            actual = [.. (await _server.RunsAsync(workflowId)).Select(r => r.LogicalDate)];
            return actual.Length >= expected.Length;
        }, () => $"{expected.Length} runs of {workflowId}; so far {string.Join(", ", actual.Select(d => d.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture)))}");
        Assert.Equal(expected, actual);
    }
}

public sealed class SqliteLateFireTests() : LateFireTests(DatabaseProvider.Sqlite);

public sealed class PostgresLateFireTests() : LateFireTests(DatabaseProvider.Postgres);
