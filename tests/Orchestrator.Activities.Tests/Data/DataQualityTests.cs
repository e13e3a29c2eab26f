using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Activities.Data;
using Orchestrator.Activities.Tests.Support;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;

namespace Orchestrator.Activities.Tests.Data;

/// <summary>data.quality: each check type, fail versus warn, the failure message, and freshness against the injected clock.</summary>
public sealed class DataQualityTests
{
    private const string Orders =
        "order_id,status,amount,placed_at\n" +
        "1,paid,10,2026-05-01 10:00:00\n" +
        "2,paid,250,2026-05-01 11:00:00\n" +
        "2,refunded,-3,2026-05-01 12:00:00\n" +
        "4,lost,,2026-05-01 13:00:00\n";

    private static string Workflow(object with) => JsonSerializer.Serialize(new
    {
        id = "quality",
        tasks = new[] { new { id = "quality", activity = "data.quality", with } },
    });

    private static async Task<WorkflowHarness> HarnessWithOrdersAsync()
    {
        var harness = new WorkflowHarness();
        await File.WriteAllTextAsync(harness.PathOf("orders.csv"), Orders);
        return harness;
    }

    [Fact]
    public async Task Quality_ReportsOneAnomalyPerWarning_WhenTheTaskSucceedsWithWarnings()
    {
        await using var harness = await HarnessWithOrdersAsync();
        var events = new WorkflowHarness.Events();

        var result = await harness.RunAsync(Workflow(new
        {
            input = "orders.csv",
            checks = new object[]
            {
                new { type = "not_null", column = "status" },
                new { type = "not_null", column = "amount", severity = "warn" },
                new { name = "sane amounts", type = "range", column = "amount", min = 0, max = 100, severity = "warn" },
            },
        }), events);

        WorkflowHarness.Outputs(result, "quality");
        var anomalies = events.Seen.OfType<AnomalyReported>().ToList();
        Assert.Equal(2, anomalies.Count);
        Assert.All(anomalies, a => Assert.Equal(("quality", 1), (a.TaskId, a.Attempt)));
        Assert.StartsWith("quality check not_null(amount): 1 violation in orders.csv", anomalies[0].Description);
        Assert.StartsWith("quality check sane amounts:", anomalies[1].Description);
    }

    [Fact]
    public async Task Quality_ReportsNoAnomaly_WhenAFailCheckFailsTheTask()
    {
        await using var harness = await HarnessWithOrdersAsync();
        var events = new WorkflowHarness.Events();

        var result = await harness.RunAsync(Workflow(new
        {
            input = "orders.csv",
            checks = new object[]
            {
                new { type = "row_count", min = 100 },
                new { type = "not_null", column = "amount", severity = "warn" },
            },
        }), events);

        Assert.Equal(TaskState.Failed, Assert.Single(result.Tasks).State);
        Assert.Empty(events.Seen.OfType<AnomalyReported>());
    }

    [Fact]
    public async Task Quality_Succeeds_AndReturnsTheWarnings_WhenOnlyWarnChecksHaveViolations()
    {
        await using var harness = await HarnessWithOrdersAsync();

        var result = await harness.RunAsync(Workflow(new
        {
            input = "orders.csv",
            checks = new object[]
            {
                new { type = "row_count", min = 1, max = 10 },
                new { type = "not_null", column = "status" },
                new { type = "not_null", column = "amount", severity = "warn" },
                new { type = "unique", columns = new[] { "order_id" }, severity = "warn" },
                new { type = "accepted_values", column = "status", values = new[] { "paid", "refunded" }, severity = "warn" },
                new { name = "sane amounts", type = "range", column = "amount", min = 0, max = 100, severity = "warn" },
                new { name = "no big refunds", type = "sql", query = "SELECT * FROM data WHERE status = 'refunded' AND amount < -100" },
            },
        }));

        var outputs = WorkflowHarness.Outputs(result, "quality");
        Assert.Equal(["row_count", "not_null(status)", "no big refunds"], outputs.GetProperty("passed").EnumerateArray().Select(p => p.GetString()));
        Assert.Empty(outputs.GetProperty("failed").EnumerateArray());
        var warnings = outputs.GetProperty("warnings").EnumerateArray().ToDictionary(w => w.GetProperty("name").GetString()!);
        Assert.Equal(["not_null(amount)", "unique(order_id)", "accepted_values(status)", "sane amounts"], warnings.Keys);
        Assert.Equal(1, warnings["not_null(amount)"].GetProperty("violations").GetInt64());
        Assert.Equal(4, warnings["not_null(amount)"].GetProperty("samples")[0].GetProperty("order_id").GetInt64());
        Assert.Equal(2, warnings["unique(order_id)"].GetProperty("samples")[0].GetProperty("occurrences").GetInt64());
        Assert.Equal("lost", warnings["accepted_values(status)"].GetProperty("samples")[0].GetProperty("status").GetString());
        Assert.Equal(2, warnings["sane amounts"].GetProperty("violations").GetInt64());
    }

    [Fact]
    public async Task Quality_FailsListingTheViolations_WhenAFailCheckHasViolations()
    {
        await using var harness = await HarnessWithOrdersAsync();

        var result = await harness.RunAsync(Workflow(new
        {
            input = "orders.csv",
            checks = new object[]
            {
                new { type = "unique", columns = new[] { "order_id" } },
                new { type = "row_count", min = 5 },
                new { type = "not_null", column = "amount", severity = "warn" },
            },
        }));

        Assert.Equal(TaskState.Failed, Assert.Single(result.Tasks).State);
        var error = result.Attempts.First().Error!;
        Assert.Contains("2 of 3 quality checks failed", error);
        Assert.Contains("unique(order_id): 1 violation", error);
        Assert.Contains("row_count: 1 violation", error);
        Assert.Contains("\"rows\":4", error);
        Assert.DoesNotContain("not_null(amount)", error);
    }

    [Fact]
    public async Task Quality_FailsWithOutsideTheDataDirectory_WhenTheInputEscapesIt()
    {
        await using var harness = new WorkflowHarness();

        var result = await harness.RunAsync(Workflow(new { input = "../../orders.csv", checks = new[] { new { type = "row_count", min = 1 } } }));

        Assert.Equal(TaskState.Failed, Assert.Single(result.Tasks).State);
        Assert.Contains("outside the data directory", result.Attempts.First().Error);
    }

    [Theory]
    [InlineData("2026-05-01T14:30:00Z", true)]
    [InlineData("2026-05-01T15:30:00Z", false)]
    public async Task Quality_JudgesFreshnessByTheInjectedClock_WhenTheNewestRowIsNearTheLimit(string now, bool fresh)
    {
        using var folder = new TempFolder();
        await File.WriteAllTextAsync(Path.Combine(folder.Path, "orders.csv"), Orders);
        var time = new FakeTimeProvider(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture));
        var input = new JsonObject
        {
            ["input"] = "orders.csv",
            ["checks"] = new JsonArray(new JsonObject { ["type"] = "freshness", ["column"] = "placed_at", ["maxAge"] = "PT2H" }),
        };

        var run = () => new DataQualityActivity().ExecuteAsync(input, DataActivityContext.Create(folder.Path, time));

        if (fresh)
        {
            var result = await run();
            Assert.Equal("freshness(placed_at)", result.Outputs["passed"]![0]!.GetValue<string>());
        }
        else
        {
            var failure = await Assert.ThrowsAsync<ActivityFailedException>(run);
            Assert.Contains("freshness(placed_at): 1 violation", failure.Message);
            Assert.Contains("2026-05-01T13:00:00", failure.Message);
        }
    }
}
