using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Server.Hosting;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Scheduling;

/// <summary>
/// The real server started at a chosen instant (a fake clock): the scheduler's catch-up creates exactly the runs
/// of the missed intervals — all of them with <c>catchup: true</c>, only the latest without.
/// </summary>
public abstract class CatchupTests(DatabaseProvider provider) : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 5, 30, 0, TimeSpan.Zero);
    private readonly string _root = Directory.CreateTempSubdirectory("orchestrator-catchup-").FullName;
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    private static string Hourly(string id, bool catchup) => $$"""
        {
          "id": "{{id}}",
          "schedule": { "cron": "0 * * * *", "timezone": "UTC", "start": "2026-01-01T00:00:00Z", "catchup": {{(catchup ? "true" : "false")}} },
          "tasks": [ { "id": "a", "activity": "core.noop" } ]
        }
        """;

    public async Task InitializeAsync()
    {
        var workflows = Path.Combine(_root, "workflows");
        Directory.CreateDirectory(workflows);
        await File.WriteAllTextAsync(Path.Combine(workflows, "all-missed.json"), Hourly("all-missed", catchup: true));
        await File.WriteAllTextAsync(Path.Combine(workflows, "latest-only.json"), Hourly("latest-only", catchup: false));

        var database = await ServerDatabase.SettingsAsync(provider, "catchup");
        _app = OrchestratorHost.Build(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(database)
            {
                ["Orchestrator:DataDirectory"] = Path.Combine(_root, "data"),
                ["Orchestrator:WorkflowsDirectory"] = workflows,
                ["Logging:LogLevel:Default"] = "Warning",
            });
            builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(Now));
        });
        await _app.StartAsync();
        ServerDatabase.AssertInUse(provider, _app.Services);
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        _client = new HttpClient { BaseAddress = new Uri(address) };

        // Ready means every workflow has been scheduled, its catch-up included.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while ((await _client.GetAsync("/health/ready", deadline.Token)).StatusCode != System.Net.HttpStatusCode.OK)
        {
            await Task.Delay(50, deadline.Token);
        }
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }

    private async Task<List<(DateTimeOffset LogicalDate, string Kind)>> RunsAsync(string workflowId)
    {
        using var page = JsonDocument.Parse(await _client.GetStringAsync($"/api/v1/runs?workflowId={workflowId}&take=100"));
        return page.RootElement.GetProperty("items").EnumerateArray()
            .Select(r => (r.GetProperty("logicalDate").GetDateTimeOffset(), r.GetProperty("kind").GetString()!))
            .OrderBy(r => r.Item1).ToList();
    }

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
        using var list = JsonDocument.Parse(await _client.GetStringAsync("/api/v1/workflows"));
        var next = list.RootElement.EnumerateArray().Single(w => w.GetProperty("id").GetString() == "all-missed").GetProperty("nextRunAt").GetDateTimeOffset();

        Assert.Equal(new DateTimeOffset(2026, 1, 1, 6, 0, 0, TimeSpan.Zero), next);
    }
}

public sealed class SqliteCatchupTests() : CatchupTests(DatabaseProvider.Sqlite);

public sealed class PostgresCatchupTests() : CatchupTests(DatabaseProvider.Postgres);
