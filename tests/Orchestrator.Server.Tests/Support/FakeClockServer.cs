using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Server.Hosting;

namespace Orchestrator.Server.Tests.Support;

/// <summary>
/// The real server on a fake clock (the scheduler's "now", Quartz's included) over a workflows folder of the
/// test's own, on one <see cref="DatabaseProvider"/>: for catch-up and late-firing tests at chosen instants.
/// </summary>
public sealed class FakeClockServer : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly string _root;
    private readonly WebApplication _app;

    private FakeClockServer(string root, WebApplication app, FakeTimeProvider clock)
    {
        _root = root;
        _app = app;
        Clock = clock;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Client = new HttpClient { BaseAddress = new Uri(address), Timeout = Patience };
    }

    public FakeTimeProvider Clock { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>An hourly workflow with one no-op task, in UTC from <paramref name="start"/>.</summary>
    public static string Hourly(string id, bool catchup, DateTimeOffset start) => $$"""
        {
          "id": "{{id}}",
          "schedule": { "cron": "0 * * * *", "timezone": "UTC", "start": "{{start:yyyy-MM-ddTHH:mm:ssZ}}", "catchup": {{(catchup ? "true" : "false")}} },
          "tasks": [ { "id": "a", "activity": "core.noop" } ]
        }
        """;

    /// <summary>Starts the server at <paramref name="now"/> with these workflow files and waits until it is ready (catch-up done).</summary>
    public static async Task<FakeClockServer> StartAsync(DatabaseProvider provider, DateTimeOffset now, IReadOnlyDictionary<string, string> workflows)
    {
        var root = Directory.CreateTempSubdirectory("orchestrator-clock-").FullName;
        var folder = Path.Combine(root, "workflows");
        Directory.CreateDirectory(folder);
        foreach (var (id, json) in workflows)
        {
            await File.WriteAllTextAsync(Path.Combine(folder, id + ".json"), json);
        }

        var clock = new FakeTimeProvider(now);
        var database = await ServerDatabase.SettingsAsync(provider, "clock");
        var app = OrchestratorHost.Build(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(database)
            {
                ["Orchestrator:DataDirectory"] = Path.Combine(root, "data"),
                ["Orchestrator:WorkflowsDirectory"] = folder,
                ["Logging:LogLevel:Default"] = "Warning",
            });
            builder.Services.AddSingleton<TimeProvider>(clock);
        });
        await app.StartAsync();
        ServerDatabase.AssertInUse(provider, app.Services);
        var server = new FakeClockServer(root, app, clock);

        // Ready means every workflow has been scheduled, its catch-up included.
        await server.WaitUntilAsync(async () => (await server.Client.GetAsync("/health/ready")).IsSuccessStatusCode, () => "the server is ready");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
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

    /// <summary>Polls with a deadline; for effects that publish no event to wait on.</summary>
    public async Task WaitUntilAsync(Func<Task<bool>> condition, Func<string> what)
    {
        using var deadline = new CancellationTokenSource(Patience);
        while (!await condition())
        {
            Assert.False(deadline.IsCancellationRequested, $"not within {Patience.TotalSeconds} s: {what()}");
            await Task.Delay(50, CancellationToken.None);
        }
    }
}
