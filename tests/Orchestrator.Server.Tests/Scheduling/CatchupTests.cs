using System.Text.Json;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Scheduling;

/// <summary>
/// The real server started at a chosen instant (a fake clock): the scheduler's catch-up creates exactly the runs
/// of the missed intervals — all of them with <c>catchup: true</c>, only the latest without.
/// </summary>
public abstract class CatchupTests(DatabaseProvider provider) : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 5, 30, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private FakeClockServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeClockServer.StartAsync(provider, Now, new Dictionary<string, string>
    {
        ["all-missed"] = FakeClockServer.Hourly("all-missed", catchup: true, Start),
        ["latest-only"] = FakeClockServer.Hourly("latest-only", catchup: false, Start),
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Task<List<(DateTimeOffset LogicalDate, string Kind)>> RunsAsync(string workflowId) => _server.RunsAsync(workflowId);

    [Fact]
    public async Task CatchupTrue_CreatesOneRunPerMissedInterval()
    {
        var runs = await RunsAsync("all-missed");

        Assert.Equal(
            Enumerable.Range(0, 5).Select(h => new DateTimeOffset(2026, 1, 1, h, 0, 0, TimeSpan.Zero)),
            runs.Select(r => r.LogicalDate));
        Assert.All(runs, r => Assert.Equal("scheduled", r.Kind));
    }

    [Fact]
    public async Task CatchupFalse_CreatesOnlyTheLatestMissedInterval()
    {
        var runs = await RunsAsync("latest-only");

        Assert.Equal([new DateTimeOffset(2026, 1, 1, 4, 0, 0, TimeSpan.Zero)], runs.Select(r => r.LogicalDate));
    }

    [Fact]
    public async Task NextRun_IsTheEndOfTheIntervalInProgress()
    {
        using var list = JsonDocument.Parse(await _server.Client.GetStringAsync("/api/v1/workflows"));
        var next = list.RootElement.EnumerateArray().Single(w => w.GetProperty("id").GetString() == "all-missed").GetProperty("nextRunAt").GetDateTimeOffset();

        Assert.Equal(new DateTimeOffset(2026, 1, 1, 6, 0, 0, TimeSpan.Zero), next);
    }
}

public sealed class SqliteCatchupTests() : CatchupTests(DatabaseProvider.Sqlite);

public sealed class PostgresCatchupTests() : CatchupTests(DatabaseProvider.Postgres);
