using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Server.Hosting;

namespace Orchestrator.Server.Tests.Hosting;

/// <summary>
/// A node stopped in the middle of a run (a deployment) and started again on the same database: the attempt it
/// gave up is released, not counted as a failure, and the restarted node finishes the run.
/// </summary>
public sealed class RestartTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly string _root = Directory.CreateTempSubdirectory("orchestrator-restart-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Restart_ResumesTheRun_AndTheReleasedAttemptUsesNoRetry()
    {
        // Long only on the first attempt, so that the node is stopped while it runs and the resumed one ends at once.
        Directory.CreateDirectory(Path.Combine(_root, "workflows"));
        await File.WriteAllTextAsync(Path.Combine(_root, "workflows", "deploy.json"), """
            { "id": "deploy", "tasks": [ { "id": "work", "activity": "core.sleep",
              "with": { "duration": "{% if run.attempt == 1 %}PT1H{% else %}PT0S{% endif %}" } } ] }
            """);

        string path;
        await using (var first = await StartAsync())
        {
            using var created = await first.Client.PostAsJsonAsync("/api/v1/workflows/deploy/runs", new { });
            created.EnsureSuccessStatusCode();
            path = $"/api/v1/runs/{(string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!}";
            await first.WaitUntilAsync(path, d => (string?)d["tasks"]![0]!["state"] == "running", "attempt 1 running");
        }

        await using var second = await StartAsync();
        var details = await second.WaitUntilAsync(path, d => (string?)d["run"]!["state"] is "succeeded" or "failed", "the run ending after the restart");

        Assert.Equal("succeeded", (string?)details["run"]!["state"]);
        var task = details["tasks"]![0]!;
        Assert.Equal((2, 2), ((int)task["attempts"]!, (int)task["maxAttempts"]!));
        var history = task["attemptHistory"]!.AsArray();
        Assert.Equal("cancelled", (string?)history[0]!["outcome"]);
        Assert.Contains("released", (string?)history[0]!["error"], StringComparison.Ordinal);
        Assert.Equal("succeeded", (string?)history[1]!["outcome"]);
    }

    private async Task<Node> StartAsync()
    {
        var app = OrchestratorHost.Build(["--urls", "http://127.0.0.1:0"], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orchestrator:DataDirectory"] = Path.Combine(_root, "data"),
            ["Orchestrator:WorkflowsDirectory"] = Path.Combine(_root, "workflows"),
            ["Orchestrator:Workers:PollInterval"] = "00:00:00.200",
            ["Orchestrator:Workers:ShutdownGrace"] = "00:00:00",
            ["Logging:LogLevel:Default"] = "None",
        }));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new Node(app, new HttpClient { BaseAddress = new Uri(address), Timeout = Patience });
    }

    private sealed record Node(WebApplication App, HttpClient Client) : IAsyncDisposable
    {
        public async Task<JsonNode> WaitUntilAsync(string path, Func<JsonNode, bool> condition, string what)
        {
            using var deadline = new CancellationTokenSource(Patience);
            while (true)
            {
                var details = JsonNode.Parse(await Client.GetStringAsync(path))!;
                if (condition(details))
                {
                    return details;
                }

                Assert.False(deadline.IsCancellationRequested, $"not within {Patience.TotalSeconds} s: {what}\n{details}");
                await Task.Delay(50, CancellationToken.None);
            }
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }
}
