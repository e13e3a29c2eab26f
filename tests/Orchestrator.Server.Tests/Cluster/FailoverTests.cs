using System.Net;
using System.Text.Json.Nodes;

namespace Orchestrator.Server.Tests.Cluster;

/// <summary>
/// Two server processes on one PostgreSQL database: the node running a task is killed (SIGKILL, no shutdown, its
/// lease left behind); the other node's watchdog expires the lease, the retry policy queues a second attempt, the
/// surviving node runs it and the run succeeds.
/// </summary>
public sealed class FailoverTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Workflow = "failover";

    /// <summary>Sleeps an hour on attempt 1 (it only ends by its node dying), not at all on attempt 2.</summary>
    private const string LongFirstAttempt = """
        {
          "id": "failover",
          "tasks": [
            { "id": "work", "activity": "core.sleep", "retries": 1, "retryDelay": "PT1S",
              "with": { "duration": "{% if run.attempt == 1 %}PT1H{% else %}PT0S{% endif %}" } }
          ]
        }
        """;

    [Fact]
    public async Task KilledNode_TaskRetriedOnTheOtherNode_RunSucceeds()
    {
        await using var cluster = await NodeCluster.CreateAsync();
        await cluster.WriteWorkflowAsync(Workflow, LongFirstAttempt);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var a = cluster.Start("node-a");
        await a.WaitUntilReadyAsync(NodeCluster.Patience);

        output.WriteLine($"{clock.Elapsed} node-a ready");

        var created = await a.PostAsync($"/api/v1/workflows/{Workflow}/runs", """{ "params": {} }""", HttpStatusCode.Created);
        var runId = (string)created["id"]!;
        var path = $"/api/v1/runs/{runId}";

        // Node A is the only node: attempt 1 runs there.
        await cluster.WaitUntilAsync(async () => WorkTask(await a.GetAsync(path)) is { } t && (string?)t["state"] == "running" && (int)t["attempts"]! == 1,
            "attempt 1 of task work running on node-a");

        output.WriteLine($"{clock.Elapsed} attempt 1 running");

        var b = cluster.Start("node-b");
        await b.WaitUntilReadyAsync(NodeCluster.Patience);

        // B has joined (its watchdog looks for expired leases from its start, every heartbeat) and left A's live,
        // renewed lease alone.
        output.WriteLine($"{clock.Elapsed} node-b ready");
        var beforeKill = WorkTask(await b.GetAsync(path));
        Assert.True((string?)beforeKill["state"] == "running" && (int)beforeKill["attempts"]! == 1,
            $"attempt 1 on node-a disturbed before node-a was killed: {beforeKill}\n{cluster.Output}");

        var killedAt = DateTimeOffset.UtcNow;
        await a.KillAsync();
        Assert.True(a.HasExited);

        JsonNode details = null!;
        await cluster.WaitUntilAsync(async () =>
        {
            details = await b.GetAsync(path);
            return (string?)details["run"]!["state"] is "succeeded" or "failed" or "cancelled";
        }, $"run {runId} ending on node-b after node-a was killed");

        output.WriteLine($"{clock.Elapsed} run ended");

        // Node A is dead, so node B ran attempt 2.
        Assert.True((string?)details["run"]!["state"] == "succeeded", $"run ended {details["run"]!["state"]}:\n{details}\n{cluster.Output}");
        var task = WorkTask(details);
        Assert.Equal("succeeded", (string?)task["state"]);
        Assert.Equal(2, (int)task["attempts"]!);
        var history = task["attemptHistory"]!.AsArray();
        Assert.Equal([1, 2], history.Select(h => (int)h!["number"]!));

        var first = history[0]!;
        Assert.Equal("lease_expired", (string?)first["outcome"]);
        Assert.Contains("node-a", (string?)first["error"], StringComparison.Ordinal);

        // Expired only after node A died (while it lived it renewed the lease), and retried after that.
        var firstEnded = (DateTimeOffset)first["endedAt"]!;
        Assert.True(firstEnded >= killedAt, $"attempt 1 expired at {firstEnded:O}, before node-a was killed at {killedAt:O}");

        var second = history[1]!;
        Assert.Equal("succeeded", (string?)second["outcome"]);
        Assert.True((DateTimeOffset)second["startedAt"]! >= firstEnded, "attempt 2 started before attempt 1 ended");
    }

    private static JsonNode WorkTask(JsonNode details) => details["tasks"]!.AsArray().Single(t => (string?)t!["taskId"] == "work")!;
}
