using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Server.Hosting;

namespace Orchestrator.Server.Tests.Support;

/// <summary>
/// The real server — Kestrel on a free loopback port, workers, scheduler, folder watcher — over fresh data and
/// workflows directories seeded with <see cref="SeedWorkflows"/>, on one <see cref="DatabaseProvider"/>. One per
/// test class.
/// </summary>
public abstract class ServerFixture(DatabaseProvider provider) : IAsyncLifetime
{
    /// <summary>How long anything a test waits for may take before the test fails.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static readonly string[] FinalRunStates = ["succeeded", "failed", "cancelled"];

    private readonly string _root = Path.Combine(Path.GetTempPath(), "orchestrator-server-tests-" + Guid.NewGuid().ToString("N"));
    private WebApplication? _app;

    public string DataDirectory => Path.Combine(_root, "data");

    public string WorkflowsDirectory => Path.Combine(_root, "workflows");

    public HttpClient Client { get; private set; } = null!;

    public Uri Address { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(DataDirectory);
        Directory.CreateDirectory(WorkflowsDirectory);
        foreach (var (id, json) in SeedWorkflows.All)
        {
            await File.WriteAllTextAsync(WorkflowFile(id), json);
        }

        var database = await ServerDatabase.SettingsAsync(provider, "api");
        _app = OrchestratorHost.Build(["--urls", "http://127.0.0.1:0"], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(database)
        {
            ["Orchestrator:DataDirectory"] = DataDirectory,
            ["Orchestrator:WorkflowsDirectory"] = WorkflowsDirectory,
            ["Orchestrator:NodeName"] = "test-node",
            ["Orchestrator:Workers:PollInterval"] = "00:00:00.200",
            ["Orchestrator:Workers:HeartbeatInterval"] = "00:00:01",
            ["Orchestrator:Workers:LeaseDuration"] = "00:00:05",
            ["Orchestrator:Workers:ShutdownGrace"] = "00:00:00",
            ["Logging:LogLevel:Default"] = "Warning",
        }));
        await _app.StartAsync();
        ServerDatabase.AssertInUse(provider, _app.Services);

        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        Address = new Uri(addresses.Single());

        // An event stream never ends: a client disposing it would keep reading for the drain timeout (2 s) to reuse
        // the connection, and the server's stop would wait for that request to end. Closing at once is what a
        // browser leaving the page does.
        Client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = Address, Timeout = Patience };
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        Directory.Delete(_root, recursive: true);
    }

    public string WorkflowFile(string workflowId) => Path.Combine(WorkflowsDirectory, workflowId + ".json");

    /// <summary>Opens the live event stream; open it before triggering whatever it should observe.</summary>
    public Task<RunEventStream> OpenEventsAsync() => RunEventStream.OpenAsync(Client, Patience);

    /// <summary>Triggers a manual run and returns the created run (the test fails unless it is 201 Created).</summary>
    public async Task<JsonObject> TriggerAsync(string workflowId, object? body = null)
    {
        using var response = await Client.PostAsJsonAsync($"/api/v1/workflows/{workflowId}/runs", body ?? new { });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await ReadObjectAsync(response);
    }

    /// <summary>Waits on <paramref name="events"/> for the run's final state, then returns <c>GET /api/v1/runs/{id}</c>.</summary>
    public async Task<JsonObject> WaitForRunAsync(RunEventStream events, string runId)
    {
        await events.WaitForAsync(
            e => e.Name == "run" && e.RunId == runId && FinalRunStates.Contains(e.State),
            Patience,
            $"run {runId} ending");
        return await GetObjectAsync($"/api/v1/runs/{runId}");
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; for effects that publish no event (the folder watcher).</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"not within {Patience.TotalSeconds} s: {what}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }

    /// <summary>Waits for <c>/health/ready</c>: the scheduler has armed every scheduled workflow.</summary>
    public Task WaitUntilReadyAsync() => WaitUntilAsync(async () =>
    {
        using var response = await Client.GetAsync("/health/ready");
        return response.StatusCode == HttpStatusCode.OK;
    }, "/health/ready answering 200");

    public async Task<JsonObject> GetObjectAsync(string path)
    {
        using var response = await Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ReadObjectAsync(response);
    }

    public async Task<JsonArray> GetArrayAsync(string path)
    {
        using var response = await Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray();
    }

    /// <summary>The workflow's entry in <c>GET /api/v1/workflows</c>, or null when it is not listed.</summary>
    public async Task<JsonObject?> FindInListAsync(string workflowId)
        => (await GetArrayAsync("/api/v1/workflows")).Select(w => w!.AsObject()).FirstOrDefault(w => (string?)w["id"] == workflowId);

    public static async Task<JsonObject> ReadObjectAsync(HttpResponseMessage response)
        => JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}

/// <summary>The server on SQLite, the embedded default.</summary>
public sealed class SqliteServerFixture() : ServerFixture(DatabaseProvider.Sqlite);

/// <summary>The server on PostgreSQL: a database of its own, Quartz's clustered store, LISTEN/NOTIFY wake-ups.</summary>
public sealed class PostgresServerFixture() : ServerFixture(DatabaseProvider.Postgres);
