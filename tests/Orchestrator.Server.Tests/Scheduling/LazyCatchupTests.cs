using System.Text.Json;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Scheduling;

/// <summary>
/// <c>catchup: true</c> over a thousand days of hourly intervals: the server creates runs lazily, only as many as
/// <c>maxActiveRuns</c> leaves room for, oldest first, and the next one when a run ends — never the whole backlog.
/// </summary>
public abstract class LazyCatchupTests(DatabaseProvider provider) : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 5, 30, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Start = Now.Date.AddDays(-1000);
    private FakeClockServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeClockServer.StartAsync(provider, Now, new Dictionary<string, string>
    {
        ["backlog"] = $$"""
            {
              "id": "backlog",
              "schedule": { "cron": "0 * * * *", "start": "{{Start:yyyy-MM-ddTHH:mm:ssZ}}", "catchup": true },
              "concurrency": { "maxActiveRuns": 2 },
              "tasks": [ { "id": "wait", "activity": "core.sleep", "with": { "duration": "PT1H" } } ]
            }
            """,
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task LongBacklog_BecomesRunsAsEarlierOnesEnd_WithinMaxActiveRuns()
    {
        var runs = await _server.RunsAsync("backlog");
        Assert.Equal([Start, Start.AddHours(1)], runs.Select(r => r.LogicalDate));

        // One of them ends (cancelled; its running attempt stops at the worker's next heartbeat): the next interval
        // gets its run, and the active runs stay at two.
        var first = await FirstRunIdAsync();
        using (var cancel = await _server.Client.PostAsync($"/api/v1/runs/{first}/cancel", null))
        {
            Assert.True(cancel.IsSuccessStatusCode, $"cancel: {(int)cancel.StatusCode}");
        }

        _server.Clock.Advance(TimeSpan.FromSeconds(11));
        await _server.WaitUntilAsync(async () => (await _server.RunsAsync("backlog")).Count >= 3, () => "a third run after the first ended");
        runs = await _server.RunsAsync("backlog");
        Assert.Equal([Start, Start.AddHours(1), Start.AddHours(2)], runs.Select(r => r.LogicalDate));
    }

    private async Task<string> FirstRunIdAsync()
    {
        using var page = JsonDocument.Parse(await _server.Client.GetStringAsync("/api/v1/runs?workflowId=backlog&take=100"));
        return page.RootElement.GetProperty("items").EnumerateArray()
            .OrderBy(r => r.GetProperty("logicalDate").GetDateTimeOffset()).First().GetProperty("id").GetString()!;
    }
}

public sealed class SqliteLazyCatchupTests() : LazyCatchupTests(DatabaseProvider.Sqlite);

public sealed class PostgresLazyCatchupTests() : LazyCatchupTests(DatabaseProvider.Postgres);
