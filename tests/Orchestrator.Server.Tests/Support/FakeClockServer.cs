using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace Orchestrator.Server.Tests.Support;

/// <summary>
/// A <see cref="TestServer"/> on a fake clock (the scheduler's "now", Quartz's included) over a workflows folder of
/// the test's own: for catch-up and late-firing tests at chosen instants.
/// </summary>
public sealed class FakeClockServer : IAsyncDisposable
{
    private readonly string _root;
    private readonly TestServer _server;

    private FakeClockServer(string root, TestServer server, FakeTimeProvider clock)
    {
        _root = root;
        _server = server;
        Clock = clock;
    }

    public FakeTimeProvider Clock { get; }

    public HttpClient Client => _server.Client;

    public IServiceProvider Services => _server.Services;

    /// <summary>An hourly workflow with one no-op task, in UTC from <paramref name="start"/>.</summary>
    public static string Hourly(string id, bool catchup, DateTimeOffset start) => $$"""
        {
          "id": "{{id}}",
          "schedule": { "cron": "0 * * * *", "timezone": "UTC", "start": "{{start:yyyy-MM-ddTHH:mm:ssZ}}", "catchup": {{(catchup ? "true" : "false")}} },
          "tasks": [ { "id": "a", "activity": "core.noop" } ]
        }
        """;

    /// <summary>Starts the server at <paramref name="now"/> with these workflow files and waits until it is ready (catch-up done).</summary>
    public static Task<FakeClockServer> StartAsync(DatabaseProvider provider, DateTimeOffset now, IReadOnlyDictionary<string, string> workflows)
        => StartAsync(provider, new FakeTimeProvider(now), workflows);

    /// <summary>Starts the server on <paramref name="clock"/> with these workflow files and waits until it is ready.</summary>
    public static async Task<FakeClockServer> StartAsync(DatabaseProvider provider, FakeTimeProvider clock, IReadOnlyDictionary<string, string> workflows)
    {
        var root = Directory.CreateTempSubdirectory("orchestrator-clock-").FullName;
        Directory.CreateDirectory(Path.Combine(root, "workflows"));
        foreach (var (id, json) in workflows)
        {
            await File.WriteAllTextAsync(Path.Combine(root, "workflows", id + ".json"), json);
        }

        return new FakeClockServer(root, await TestServer.StartAsync(root, provider, clock, new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
        }), clock);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    /// <summary>The workflow's runs, oldest logical date first.</summary>
    public async Task<List<(DateTimeOffset LogicalDate, string Kind)>> RunsAsync(string workflowId)
    {
        using var page = JsonDocument.Parse(await Client.GetStringAsync($"/api/v1/runs?workflowId={workflowId}&take=100"));
        return page.RootElement.GetProperty("items").EnumerateArray()
            .Select(r => (r.GetProperty("logicalDate").GetDateTimeOffset(), r.GetProperty("kind").GetString()!))
            .OrderBy(r => r.Item1).ToList();
    }

    public Task WaitUntilAsync(Func<Task<bool>> condition, Func<string> what) => _server.WaitUntilAsync(condition, what);
}
