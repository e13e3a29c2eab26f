using System.Text.Json;
using Orchestrator.Activities.Tests.Support;
using Orchestrator.Core.Model;

namespace Orchestrator.Activities.Tests.Data;

/// <summary>Failures that cannot succeed on retry end the task at its first attempt, whatever retries remain.</summary>
public sealed class PermanentFailureTests
{
    private static string Workflow(string activity, object with, string? retryOn) => JsonSerializer.Serialize(new
    {
        id = "permanent",
        defaults = new { retries = 2, retryDelay = "PT0S", retryOn = retryOn ?? "transient" },
        tasks = new[] { new { id = "t", activity, with } },
    });

    private static async Task<(TaskState State, int Attempts)> RunAsync(string activity, object with, string? retryOn = null)
    {
        await using var harness = new WorkflowHarness();
        await File.WriteAllTextAsync(harness.PathOf("sales.csv"), "region,amount\nnorth,1\n");
        var result = await harness.RunAsync(Workflow(activity, with, retryOn));
        var task = Assert.Single(result.Tasks);
        return (task.State, task.Attempts);
    }

    [Fact]
    public async Task Transform_FailsAtTheFirstAttempt_WhenTheSqlNamesAMissingColumn()
    {
        var (state, attempts) = await RunAsync("data.transform", new { inputs = new { sales = "sales.csv" }, sql = "SELECT no_such_column FROM sales", output = "out.csv" });

        Assert.Equal(TaskState.Failed, state);
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task Transform_UsesItsRetries_WhenTheTaskRetriesOnAnyFailure()
    {
        var (state, attempts) = await RunAsync("data.transform", new { inputs = new { sales = "sales.csv" }, sql = "SELECT no_such_column FROM sales", output = "out.csv" }, "any");

        Assert.Equal(TaskState.Failed, state);
        Assert.Equal(3, attempts);
    }

    [Fact]
    public async Task SqlQuery_FailsAtTheFirstAttempt_WhenTheTableIsMissingOnSqlite()
    {
        var (state, attempts) = await RunAsync("sql.query", new { sql = "SELECT * FROM no_such_table" });

        Assert.Equal(TaskState.Failed, state);
        Assert.Equal(1, attempts);
    }
}
