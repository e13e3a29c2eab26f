using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Hosting;

/// <summary>
/// A node stopped in the middle of a run (a deployment) and started again on the same database: the attempt it
/// gave up is released, not counted as a failure, and the restarted node finishes the run.
/// </summary>
public sealed class RestartTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("orchestrator-restart-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

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
        await using (var first = await TestServer.StartAsync(_root))
        {
            using var created = await first.Client.PostAsJsonAsync("/api/v1/workflows/deploy/runs", new { });
            created.EnsureSuccessStatusCode();
            path = $"/api/v1/runs/{(string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!}";
            await first.WaitUntilAsync(async () => (string?)(await first.GetJsonAsync(path))["tasks"]![0]!["state"] == "running", () => "attempt 1 running");
        }

        await using var second = await TestServer.StartAsync(_root);
        JsonNode details = null!;
        await second.WaitUntilAsync(async () =>
        {
            details = await second.GetJsonAsync(path);
            return (string?)details["run"]!["state"] is "succeeded" or "failed";
        }, () => $"the run ending after the restart\n{details}");

        Assert.Equal("succeeded", (string?)details["run"]!["state"]);
        var task = details["tasks"]![0]!;
        Assert.Equal((2, 2), ((int)task["attempts"]!, (int)task["maxAttempts"]!));
        var history = task["attemptHistory"]!.AsArray();
        Assert.Equal("cancelled", (string?)history[0]!["outcome"]);
        Assert.Contains("released", (string?)history[0]!["error"], StringComparison.Ordinal);
        Assert.Equal("succeeded", (string?)history[1]!["outcome"]);
    }
}
