using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Server.Hosting;

namespace Orchestrator.Server.Tests.Scheduling;

/// <summary>
/// A trigger that fires hours late (the node was overloaded or down): the intervals that ended meanwhile still get
/// their runs with <c>catchup: true</c>, and only the latest with <c>catchup: false</c>. The late firing is the
/// scheduled job run by hand with the data its trigger carries, at a fake "now" three hours past its time.
/// </summary>
public sealed class LateFireTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 5, 30, 0, TimeSpan.Zero);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly string _root = Directory.CreateTempSubdirectory("orchestrator-late-").FullName;
    private readonly FakeTimeProvider _clock = new(Start);
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    private static string Hourly(string id, bool catchup) => $$"""
        {
          "id": "{{id}}",
          "schedule": { "cron": "0 * * * *", "timezone": "UTC", "start": "2026-01-01T04:00:00Z", "catchup": {{(catchup ? "true" : "false")}} },
          "tasks": [ { "id": "a", "activity": "core.noop" } ]
        }
        """;

    public async Task InitializeAsync()
    {
        var workflows = Path.Combine(_root, "workflows");
        Directory.CreateDirectory(workflows);
        await File.WriteAllTextAsync(Path.Combine(workflows, "all-missed.json"), Hourly("all-missed", catchup: true));
        await File.WriteAllTextAsync(Path.Combine(workflows, "latest-only.json"), Hourly("latest-only", catchup: false));
        _app = OrchestratorHost.Build(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Orchestrator:DataDirectory"] = Path.Combine(_root, "data"),
                ["Orchestrator:WorkflowsDirectory"] = workflows,
                ["Logging:LogLevel:Default"] = "Warning",
            });
            builder.Services.AddSingleton<TimeProvider>(_clock);
        });
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        _client = new HttpClient { BaseAddress = new Uri(address), Timeout = Patience };
        await WaitUntilAsync(async () => (await _client.GetAsync("/health/ready")).IsSuccessStatusCode, () => "the server is ready");
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task LateFire_CreatesTheIntervalsThatEndedMeanwhile_WhenCatchupIsTrue()
    {
        // Catch-up at start: the 04:00 interval. The trigger is armed for the end of the 05:00 one (06:00).
        await WaitForLogicalDatesAsync("all-missed", Hours(4));

        // The trigger fires only now, at 08:30: 05:00 is its own interval; 06:00 and 07:00 ended while it was late.
        _clock.Advance(TimeSpan.FromHours(3));
        await FireLateAsync("all-missed", Hours(5)[0]);

        await WaitForLogicalDatesAsync("all-missed", Hours(4, 5, 6, 7));
        Assert.Equal(Hours(9)[0], await _app.Services.GetRequiredService<Orchestrator.Server.Scheduling.WorkflowScheduler>().NextFireAsync("all-missed", CancellationToken.None));
    }

    [Fact]
    public async Task LateFire_CreatesOnlyTheLatestInterval_WhenCatchupIsFalse()
    {
        await WaitForLogicalDatesAsync("latest-only", Hours(4));

        _clock.Advance(TimeSpan.FromHours(3));
        await FireLateAsync("latest-only", Hours(5)[0]);

        await WaitForLogicalDatesAsync("latest-only", Hours(4, 5, 7));
    }

    /// <summary>Runs the workflow's scheduled job as its trigger would, for the interval starting at <paramref name="logicalDate"/>.</summary>
    private async Task FireLateAsync(string workflowId, DateTimeOffset logicalDate)
    {
        var scheduler = await _app.Services.GetRequiredService<Quartz.ISchedulerFactory>().GetScheduler();
        var data = new Quartz.JobDataMap
        {
            [Orchestrator.Server.Scheduling.ScheduledRunJob.WorkflowKey] = workflowId,
            [Orchestrator.Server.Scheduling.ScheduledRunJob.LogicalDateKey] = logicalDate.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        };
        await scheduler.TriggerJob(new Quartz.JobKey(workflowId, "scheduled"), data);
    }

    private static DateTimeOffset[] Hours(params int[] hours) => [.. hours.Select(h => new DateTimeOffset(2026, 1, 1, h, 0, 0, TimeSpan.Zero))];

    private async Task WaitForLogicalDatesAsync(string workflowId, DateTimeOffset[] expected)
    {
        DateTimeOffset[] actual = [];
        await WaitUntilAsync(async () =>
        {
            actual = await LogicalDatesAsync(workflowId);
            return actual.Length >= expected.Length;
        }, () => $"{expected.Length} runs of {workflowId}; so far {string.Join(", ", actual.Select(d => d.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture)))}");
        Assert.Equal(expected, actual);
    }

    private async Task<DateTimeOffset[]> LogicalDatesAsync(string workflowId)
    {
        using var page = JsonDocument.Parse(await _client.GetStringAsync($"/api/v1/runs?workflowId={workflowId}&take=100"));
        return [.. page.RootElement.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("logicalDate").GetDateTimeOffset()).Order()];
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, Func<string> what)
    {
        using var deadline = new CancellationTokenSource(Patience);
        while (!await condition())
        {
            Assert.False(deadline.IsCancellationRequested, $"not within {Patience.TotalSeconds} s: {what()}");
            await Task.Delay(50, CancellationToken.None);
        }
    }
}
