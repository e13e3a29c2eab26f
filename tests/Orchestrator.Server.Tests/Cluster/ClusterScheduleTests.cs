using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Orchestrator.Server.Tests.Cluster;

/// <summary>
/// Two server processes on one PostgreSQL database schedule the same every-second workflow: Quartz's clustered
/// store fires each trigger on one node, and the unique (workflow, logical date) key absorbs what both nodes
/// create anyway (each one's start-up catch-up). Every logical date runs once.
/// </summary>
public sealed partial class ClusterScheduleTests(ITestOutputHelper output)
{
    private const string Workflow = "every-second";
    private const int Streak = 6;

    [Fact]
    public async Task EverySecondCron_EachLogicalDateRunsOnce_WhenTwoNodesScheduleIt()
    {
        await using var cluster = await NodeCluster.CreateAsync();
        var now = DateTimeOffset.UtcNow;
        var start = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        // The retries are not what this test is about: on a loaded machine a starved node can miss a heartbeat and
        // lose a lease (a lease_expired attempt), which must not fail the run of a second.
        await cluster.WriteWorkflowAsync(Workflow, $$"""
            {
              "id": "{{Workflow}}",
              "schedule": { "cron": "* * * * * *", "timezone": "UTC", "start": "{{start.ToString("O", CultureInfo.InvariantCulture)}}", "catchup": false },
              "tasks": [ { "id": "nothing", "activity": "core.noop", "retries": 3, "retryDelay": "PT0S" } ]
            }
            """);

        // Both at once, as replicas of a deployment start: their start-up passes race on the same fresh database.
        var a = cluster.Start("node-a");
        var b = cluster.Start("node-b");
        await Task.WhenAll(a.WaitUntilReadyAsync(NodeCluster.Patience), b.WaitUntilReadyAsync(NodeCluster.Patience));
        var ready = DateTimeOffset.UtcNow;

        // Gaps are possible and not a fault (catchup false): a node's start-up catch-up runs only the latest missed
        // second, and a fire late by over a second (a cold process, a loaded machine) arms the next second from now,
        // skipping the one that passed. So: wait for a streak of consecutive seconds scheduled once both were up.
        List<ScheduledRun> runs = [];
        await cluster.WaitUntilAsync(async () =>
        {
            runs = await RunsAsync(a);
            return LongestStreak(runs.Select(r => r.LogicalDate).Where(d => d >= ready).ToList()) >= Streak
                && runs.All(r => r.State == "succeeded");
        }, $"{Streak} consecutive seconds scheduled after both nodes were ready, every run succeeded");

        // Read after the runs: every fire counted has created (or found) its run by then.
        var fires = new Dictionary<string, long>();
        foreach (var node in new[] { a, b })
        {
            fires[node.Name] = await FiresAsync(node);
        }

        runs = await RunsAsync(b);
        output.WriteLine($"{ready:HH:mm:ss.fff} both nodes ready; fires: {string.Join(", ", fires.Select(f => $"{f.Key} {f.Value}"))}");
        var lags = string.Join("\n", runs.Select(r => $"{r.LogicalDate:HH:mm:ss} created {(r.CreatedAt - r.LogicalDate).TotalMilliseconds:F0} ms after its logical date"));
        output.WriteLine(lags);

        Assert.All(runs, r => Assert.Equal("scheduled", r.Kind));
        var dates = runs.Select(r => r.LogicalDate).ToList();
        Assert.Equal(dates.Count, dates.Distinct().Count());
        Assert.All(dates, d => Assert.Equal(0, d.UtcTicks % TimeSpan.TicksPerSecond));
        Assert.All(dates, d => Assert.True(d >= start, $"logical date {d:O} before the schedule's start {start:O}"));

        // Each fire is of its own second, so a trigger fired on both nodes would show as more fires than runs.
        Assert.True(fires.Values.Sum() <= runs.Count, $"{fires.Values.Sum()} fires for {runs.Count} runs:\n{lags}");

        // Both nodes are still up and ready: neither's scheduler or workers died on the other's doing.
        await Task.WhenAll(a.WaitUntilReadyAsync(NodeCluster.Patience), b.WaitUntilReadyAsync(NodeCluster.Patience));

        // Errors but the health checks' own (unready while starting, polled by the test).
        var errors = cluster.Output.Split('\n')
            .Where(l => (l.Contains("| fail:", StringComparison.Ordinal) || l.Contains("| crit:", StringComparison.Ordinal)) && !l.Contains(".HealthChecks.", StringComparison.Ordinal))
            .ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    private static async Task<List<ScheduledRun>> RunsAsync(ServerNode node)
    {
        var page = await node.GetAsync($"/api/v1/runs?workflowId={Workflow}&take=500");
        return page["items"]!.AsArray()
            .Select(r => new ScheduledRun((DateTimeOffset)r!["logicalDate"]!, (DateTimeOffset)r["createdAt"]!, (string)r["kind"]!, (string)r["state"]!))
            .OrderBy(r => r.LogicalDate)
            .ToList();
    }

    /// <summary>The number of Quartz fires of this node: its scheduling-lag histogram observes one per fire.</summary>
    private static async Task<long> FiresAsync(ServerNode node)
    {
        var text = await node.Client.GetStringAsync("/metrics");
        return FireCount().Match(text) is { Success: true } match ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    private static int LongestStreak(List<DateTimeOffset> dates)
    {
        var longest = dates.Count == 0 ? 0 : 1;
        for (int i = 1, current = 1; i < dates.Count; i++)
        {
            current = dates[i] - dates[i - 1] == TimeSpan.FromSeconds(1) ? current + 1 : 1;
            longest = Math.Max(longest, current);
        }

        return longest;
    }

    [GeneratedRegex(@"^orchestrator_scheduling_lag_seconds_count (\d+)", RegexOptions.Multiline)]
    private static partial Regex FireCount();

    private sealed record ScheduledRun(DateTimeOffset LogicalDate, DateTimeOffset CreatedAt, string Kind, string State);
}
