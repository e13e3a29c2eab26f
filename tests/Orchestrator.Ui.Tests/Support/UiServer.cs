using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Server.Hosting;
using Orchestrator.Testing;

namespace Orchestrator.Ui.Tests.Support;

/// <summary>
/// The real server — Kestrel on a free loopback port, SQLite, workers, scheduler, the web UI built into its output —
/// over a workflows folder holding repository workflows, a long-running one and an invalid file, with the
/// <c>email:data-team</c> channel delivering to a real SMTP server. One per test class.
/// </summary>
public class UiServer : IAsyncLifetime
{
    public static readonly TimeSpan Patience = HeadlessChromium.Patience;

    private static readonly string[] RepositoryWorkflows = ["retry-demo", "hello-world", "branching"];

    private readonly string _root = Path.Combine(Path.GetTempPath(), "orchestrator-ui-tests-" + Guid.NewGuid().ToString("N"));
    private WebApplication? _app;

    public Uri Address { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public SmtpInbox Inbox { get; private set; } = null!;

    public string WorkflowsDirectory => Path.Combine(_root, "workflows");

    public string DataDirectory => Path.Combine(_root, "data");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(WorkflowsDirectory);
        var repository = RepositoryRoot();
        foreach (var id in RepositoryWorkflows)
        {
            File.Copy(Path.Combine(repository, "workflows", id + ".json"), Path.Combine(WorkflowsDirectory, id + ".json"));
        }

        await File.WriteAllTextAsync(Path.Combine(WorkflowsDirectory, "long-sleep.json"), """
            {
              "id": "long-sleep",
              "name": "A long task",
              "tags": ["test"],
              "tasks": [
                { "id": "sleep", "activity": "core.sleep", "with": { "duration": "PT10M" } },
                { "id": "after", "activity": "core.noop", "dependsOn": ["sleep"] }
              ]
            }
            """);

        await File.WriteAllTextAsync(Path.Combine(WorkflowsDirectory, "always-fails.json"), """
            {
              "id": "always-fails",
              "tags": ["test"],
              "alerts": [ { "on": ["run_failed"], "notify": ["email:data-team"] } ],
              "tasks": [ { "id": "extract", "activity": "core.fail", "retries": 0, "with": { "message": "the source is down" } } ]
            }
            """);

        // Its own workflow, so that its alert is not throttled into always-fails' (one message per workflow, task,
        // event and channel within the throttle window).
        await File.WriteAllTextAsync(Path.Combine(WorkflowsDirectory, "alert-outage.json"), """
            {
              "id": "alert-outage",
              "tags": ["test"],
              "alerts": [ { "on": ["run_failed"], "notify": ["email:data-team"] } ],
              "tasks": [ { "id": "extract", "activity": "core.fail", "retries": 0, "with": { "message": "the source is down" } } ]
            }
            """);

        // Invalid on line 5: an unknown activity.
        await File.WriteAllTextAsync(Path.Combine(WorkflowsDirectory, "broken-example.json"), """
            {
              "id": "broken-example",
              "tasks": [
                { "id": "a", "activity": "core.noop" },
                { "id": "b", "activity": "core.nope", "dependsOn": ["a"] }
              ]
            }
            """);

        Inbox = await SmtpInbox.StartNewAsync();
        var settings = new Dictionary<string, string?>(Inbox.ChannelSettings("data-team", "orchestrator@example.com", "data-team@example.com"))
        {
            ["Orchestrator:DataDirectory"] = DataDirectory,
            ["Orchestrator:WorkflowsDirectory"] = WorkflowsDirectory,
            ["Orchestrator:NodeName"] = "ui-test-node",
            ["Orchestrator:Workers:PollInterval"] = "00:00:00.200",
            ["Orchestrator:Workers:HeartbeatInterval"] = "00:00:01",
            ["Orchestrator:Workers:ShutdownGrace"] = "00:00:00",
            ["Orchestrator:Alerts:PollInterval"] = "00:00:00.200",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in ExtraSettings)
        {
            settings[key] = value;
        }

        _app = OrchestratorHost.Build(["--urls", "http://127.0.0.1:0"], builder => builder.Configuration.AddInMemoryCollection(settings));
        await _app.StartAsync();
        Address = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        Client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = Address, Timeout = Patience };
        if (ExtraSettings.TryGetValue("Orchestrator:Security:ApiKeys:0:Key", out var apiKey) && apiKey is not null)
        {
            Client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        }
    }

    /// <summary>Triggers a manual run of <paramref name="workflowId"/> through the API; its id.</summary>
    public async Task<string> TriggerAsync(string workflowId)
    {
        using var response = await Client.PostAsJsonAsync($"/api/v1/workflows/{workflowId}/runs", new { @params = new { } });
        response.EnsureSuccessStatusCode();
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
    }

    /// <summary>Triggers a run and waits until it has ended; its id.</summary>
    public async Task<string> TriggerAndWaitAsync(string workflowId)
    {
        var id = await TriggerAsync(workflowId);
        await WaitUntilAsync(async () => (string?)(await Client.GetFromJsonAsync<JsonObject>($"/api/v1/runs/{id}"))!["run"]!["state"] is "succeeded" or "failed" or "cancelled",
            $"run {id} of {workflowId} to end");
        return id;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails naming <paramref name="what"/> after <see cref="Patience"/>.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"not within {Patience.TotalSeconds} s: {what}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Settings a variant of the server adds (API keys, …).</summary>
    protected virtual IReadOnlyDictionary<string, string?> ExtraSettings { get; } = new Dictionary<string, string?>();

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        if (Inbox is not null)
        {
            await Inbox.DisposeAsync();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a stopping worker; the temp folder is cleaned by the system.
        }
    }

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Orchestrator.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Orchestrator.sln not found above the test binaries");
    }
}
