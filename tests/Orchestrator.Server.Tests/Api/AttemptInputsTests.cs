using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Api;

public sealed class AttemptInputsTests : IAsyncLifetime
{
    private const string Password = "s3cr3t-hunter-2";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "orchestrator-attempt-inputs-" + Guid.NewGuid().ToString("N"));
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(_root, "workflows"));
        await File.WriteAllTextAsync(Path.Combine(_root, "workflows", "leaky.json"), $$"""
            {
              "id": "leaky",
              "tasks": [ { "id": "say", "activity": "core.log", "with": { "message": "connecting with {{Password}} as loader" } } ]
            }
            """);
        _server = await TestServer.StartAsync(_root, settings: new Dictionary<string, string?>
        {
            ["Orchestrator:Connections:warehouse:uri"] = $"postgresql://loader:{Password}@127.0.0.1:1/warehouse",
        });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Run_ShowsInputsWithConnectionSecretsMasked_WhenAnInputHoldsAPassword()
    {
        using var response = await _server.Client.PostAsync("/api/v1/workflows/leaky/runs", ServerFixture.Json("{}"));
        var runId = (string)(await ServerFixture.ReadObjectAsync(response))["id"]!;
        System.Text.Json.Nodes.JsonNode? detail = null;
        await _server.WaitUntilAsync(async () =>
        {
            detail = await _server.GetJsonAsync($"/api/v1/runs/{runId}");
            return (string?)detail["run"]!["state"] == "succeeded";
        }, () => $"run {runId} succeeding");

        var attempt = detail!["tasks"]![0]!["attemptHistory"]![0]!;
        Assert.Equal("connecting with *** as loader", (string?)attempt["inputs"]!["message"]);
        Assert.DoesNotContain(Password, attempt.ToJsonString(), StringComparison.Ordinal);
    }
}
