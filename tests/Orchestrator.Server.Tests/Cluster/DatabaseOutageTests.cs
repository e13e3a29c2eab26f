using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Orchestrator.Testing;

namespace Orchestrator.Server.Tests.Cluster;

/// <summary>
/// Two server processes on a PostgreSQL that goes away for 20 s (leases last 8 s) while tasks run on both nodes:
/// attempts that end during the outage are recorded once it is back, live nodes keep their leases (no node expires
/// another's lease for an outage every node shared), so no task runs twice; and the intervals whose cron fired
/// during the outage get their runs once it is back.
/// </summary>
public sealed class DatabaseOutageTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(20);

    // Shorter than the outage, so every lease is past its end when the database comes back; long enough that a node
    // on a loaded machine renews its leases (reconnecting first) before a peer may take them.
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(8);

    /// <summary>Three tasks that end during the outage, three that run through it; a lease expiry would show as a second attempt.</summary>
    private const string Work = """
        {
          "id": "work",
          "defaults": { "retries": 2, "retryDelay": "PT1S" },
          "tasks": [
            { "id": "short1", "activity": "core.sleep", "with": { "duration": "PT6S" } },
            { "id": "short2", "activity": "core.sleep", "with": { "duration": "PT6S" } },
            { "id": "short3", "activity": "core.sleep", "with": { "duration": "PT6S" } },
            { "id": "long1", "activity": "core.sleep", "with": { "duration": "PT32S" } },
            { "id": "long2", "activity": "core.sleep", "with": { "duration": "PT32S" } },
            { "id": "long3", "activity": "core.sleep", "with": { "duration": "PT32S" } }
          ]
        }
        """;

    [Fact]
    public async Task DatabaseOutage_NoTaskRunsTwice_AndTheIntervalsThatEndedMeanwhileRun()
    {
        await using var postgres = await PostgresCluster.StartOwnAsync();
        await using var cluster = await NodeCluster.CreateAsync(postgres);
        var now = DateTimeOffset.UtcNow;
        var start = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second / 10 * 10, TimeSpan.Zero);
        await cluster.WriteWorkflowAsync("work", Work);
        await cluster.WriteWorkflowAsync("tick", $$"""
            { "id": "tick", "schedule": { "cron": "*/10 * * * * *", "start": "{{start:yyyy-MM-ddTHH:mm:ssZ}}", "catchup": true },
              "tasks": [ { "id": "n", "activity": "core.noop" } ] }
            """);
        var a = cluster.Start("node-a", Lease);
        var b = cluster.Start("node-b", Lease);
        await a.WaitUntilReadyAsync(NodeCluster.Patience);
        await b.WaitUntilReadyAsync(NodeCluster.Patience);

        var runId = (string)(await a.PostAsync("/api/v1/workflows/work/runs", """{ "params": {} }""", HttpStatusCode.Created))["id"]!;
        var path = $"/api/v1/runs/{runId}";
        await cluster.WaitUntilAsync(async () => Tasks(await a.GetAsync(path)).All(t => (string?)t["state"] == "running"), "all six tasks running");

        var stoppedAt = DateTimeOffset.UtcNow;
        await postgres.StopServerAsync();
        output.WriteLine($"{stoppedAt:O} database stopped");
        await Task.Delay(Outage);
        await postgres.StartServerAsync();
        var restartedAt = DateTimeOffset.UtcNow;
        output.WriteLine($"{restartedAt:O} database started");

        JsonNode details = null!;
        await cluster.WaitUntilAsync(async () =>
        {
            details = await a.GetAsync(path);
            return (string?)details["run"]!["state"] is "succeeded" or "failed" or "cancelled";
        }, $"run {runId} ending after the outage");

        Assert.True((string?)details["run"]!["state"] == "succeeded", $"run ended {details["run"]!["state"]}:\n{details}\n{cluster.Output}");
        foreach (var task in Tasks(details))
        {
            Assert.True((int)task["attempts"]! == 1 && task["attemptHistory"]!.AsArray().Count == 1,
                $"task {task["taskId"]} ran {task["attempts"]} times:\n{task}\n{cluster.Output}");
        }

        // Every interval of the ten-second schedule that ended while the database was away has its run.
        var missed = new List<DateTimeOffset>();
        for (var end = start.AddSeconds(10); end <= restartedAt; end = end.AddSeconds(10))
        {
            if (end > stoppedAt)
            {
                missed.Add(end.AddSeconds(-10));
            }
        }

        Assert.NotEmpty(missed);
        HashSet<DateTimeOffset> dates = [];
        await cluster.WaitUntilAsync(async () =>
        {
            var runs = await a.GetAsync("/api/v1/runs?workflowId=tick&take=100");
            dates = runs["items"]!.AsArray().Select(r => DateTimeOffset.Parse((string)r!["logicalDate"]!, CultureInfo.InvariantCulture)).ToHashSet();
            return missed.All(dates.Contains);
        }, $"runs of tick for the intervals that ended during the outage ({string.Join(", ", missed.Select(d => d.ToString("HH:mm:ss", CultureInfo.InvariantCulture)))})");
    }

    private static IEnumerable<JsonNode> Tasks(JsonNode details) => details["tasks"]!.AsArray().Select(t => t!);
}
