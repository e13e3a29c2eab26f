using System.Globalization;
using Orchestrator.Server.Tests.Cluster;

namespace Orchestrator.Server.Tests.Scheduling;

/// <summary>
/// A schedule without <c>start</c> firing every five seconds, next to an ordinary hourly workflow, in a real server
/// process: the server becomes ready, its memory stays flat while the fast schedule fires, and both are armed.
/// </summary>
public sealed class OpenEndedScheduleTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string _root = Directory.CreateTempSubdirectory("orchestrator-open-schedule-").FullName;
    private ServerNode? _node;

    [Fact]
    public async Task ScheduleWithoutStart_FiresFromFirstSight_WithFlatMemory_AndOtherWorkflowsStayScheduled()
    {
        var workflows = Directory.CreateDirectory(Path.Combine(_root, "workflows")).FullName;
        await File.WriteAllTextAsync(Path.Combine(workflows, "s.json"),
            """{"id":"s","schedule":{"cron":"*/5 * * * * *"},"tasks":[{"id":"n","activity":"core.noop"}]}""");
        await File.WriteAllTextAsync(Path.Combine(workflows, "hourly.json"), """
            {"id":"hourly","schedule":{"cron":"0 * * * *","start":"2026-01-01T00:00:00Z"},"tasks":[{"id":"n","activity":"core.noop"}]}
            """);
        _node = ServerNode.Start("node", Directory.CreateDirectory(Path.Combine(_root, "node")).FullName, new Dictionary<string, string>
        {
            ["Orchestrator__DataDirectory"] = Path.Combine(_root, "data"),
            ["Orchestrator__WorkflowsDirectory"] = workflows,
            ["Orchestrator__Workers__PollInterval"] = "00:00:00.200",
        });
        await _node.WaitUntilReadyAsync(Patience);
        var startedAt = DateTimeOffset.UtcNow;

        // Both armed: the hourly one at the next full hour, the fast one within five seconds.
        var list = await _node.GetAsync("/api/v1/workflows");
        DateTimeOffset NextRun(string id) => DateTimeOffset.Parse(
            list!.AsArray().Single(w => (string?)w!["id"] == id)!["nextRunAt"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        var hour = new DateTimeOffset(startedAt.Year, startedAt.Month, startedAt.Day, startedAt.Hour, 0, 0, TimeSpan.Zero);
        Assert.InRange(NextRun("hourly"), hour.AddHours(1).AddMinutes(-1), hour.AddHours(1).AddMinutes(1));
        Assert.InRange(NextRun("s"), startedAt.AddSeconds(-5), startedAt.AddSeconds(15));

        // Memory after start-up, then while the fast schedule fires a few times: flat.
        var baseline = _node.ResidentBytes;
        var peak = baseline;
        var deadline = DateTime.UtcNow + Patience;
        var scheduled = 0;
        while (scheduled < 3)
        {
            Assert.True(DateTime.UtcNow < deadline, $"three scheduled runs of 's'; {scheduled} so far\n{_node.Output}");
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            peak = Math.Max(peak, _node.ResidentBytes);
            var runs = await _node.GetAsync("/api/v1/runs?workflowId=s&take=100");
            scheduled = runs["items"]!.AsArray().Count(r => (string?)r!["kind"] == "scheduled");
        }

        Assert.True(peak - baseline < 150L * 1024 * 1024, $"memory grew from {baseline / 1048576} MiB to {peak / 1048576} MiB");

        // No interval before the workflow was first seen: every logical date is after the server started.
        var dates = (await _node.GetAsync("/api/v1/runs?workflowId=s&take=100"))["items"]!.AsArray()
            .Select(r => DateTimeOffset.Parse(r!["logicalDate"]!.GetValue<string>(), CultureInfo.InvariantCulture)).ToList();
        Assert.All(dates, d => Assert.True(d >= startedAt.AddSeconds(-60), $"logical date {d:O} is before the workflow was first seen"));
        Assert.True((await _node.GetAsync("/api/v1/workflows"))!.AsArray().Single(w => (string?)w!["id"] == "hourly")!["nextRunAt"] is not null);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        Directory.Delete(_root, recursive: true);
    }
}
