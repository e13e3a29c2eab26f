using System.Text.Json;
using Orchestrator.Activities.Tests.Support;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;

namespace Orchestrator.Activities.Tests.Data;

/// <summary>SQL and file-writing activities stay inside the data directory: no path, SQL function or link leads out.</summary>
public sealed class DataDirectoryContainmentTests : IAsyncLifetime
{
    private readonly WorkflowHarness _harness = new();
    private readonly string _outside = Directory.CreateTempSubdirectory("orchestrator-outside-").FullName;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(_outside, "secret.csv"), "a\n42\n");
        await File.WriteAllTextAsync(_harness.PathOf("in.csv"), "a\n1\n");
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        Directory.Delete(_outside, recursive: true);
    }

    private string Secret => Path.Combine(_outside, "secret.csv");

    private Task<RunResult> RunAsync(string activity, object with) => _harness.RunAsync(JsonSerializer.Serialize(new
    {
        id = "containment",
        tasks = new[] { new { id = "t", activity, with } },
    }));

    private static string FailureOf(RunResult result)
    {
        var task = Assert.Single(result.Tasks);
        Assert.Equal(TaskState.Failed, task.State);
        return Assert.Single(result.Attempts).Error ?? "";
    }

    [Fact]
    public async Task Transform_CannotReadAFileOutside_WhenTheSqlNamesIt()
    {
        var result = await RunAsync("data.transform", new { inputs = new { data = "in.csv" }, sql = $"SELECT * FROM read_csv('{Secret}')", output = "out.csv" });

        Assert.Contains("Permission", FailureOf(result), StringComparison.Ordinal);
        Assert.False(File.Exists(_harness.PathOf("out.csv")));
    }

    [Fact]
    public async Task Transform_CannotWriteAFileOutside_WhenTheSqlCopiesToIt()
    {
        var target = Path.Combine(_outside, "copied.csv");

        var result = await RunAsync("data.transform", new
        {
            inputs = new { data = "in.csv" },
            sql = $"SELECT 1 AS a; COPY (SELECT 42 AS x) TO '{target}' (FORMAT csv); SELECT * FROM data",
            output = "out.csv",
        });

        FailureOf(result);
        Assert.False(File.Exists(target), "DuckDB wrote outside the data directory");
    }

    [Fact]
    public async Task Quality_CannotReadAFileOutside_WhenASqlCheckNamesIt()
    {
        var result = await RunAsync("data.quality", new
        {
            input = "in.csv",
            checks = new[] { new { type = "sql", query = $"SELECT * FROM read_csv('{Secret}') WHERE a = 42" } },
        });

        Assert.Contains("Permission", FailureOf(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clean_CannotReadAFileOutside_WhenTheFilterNamesIt()
    {
        var result = await RunAsync("data.clean", new
        {
            input = "in.csv",
            filter = $"a NOT IN (SELECT a FROM read_csv('{Secret}'))",
            output = "clean.csv",
        });

        Assert.Contains("Permission", FailureOf(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transform_ReadsAndWritesInsideTheDataDirectory_WhenConfined()
    {
        var result = await RunAsync("data.transform", new { inputs = new { data = "in.csv" }, sql = "SELECT a + 1 AS b FROM data", output = "sub/out.parquet" });

        Assert.Equal(TaskState.Succeeded, Assert.Single(result.Tasks).State);
        Assert.True(File.Exists(_harness.PathOf("sub/out.parquet")));
    }

    [Fact]
    public async Task Generate_RefusesToWriteThroughALink_WhenTheLinkPointsOutside()
    {
        File.CreateSymbolicLink(_harness.PathOf("escape"), _outside);

        var result = await RunAsync("data.generate", new { dataset = "transactions", rows = 5, path = "escape/t.jsonl" });

        Assert.Contains("outside the data directory", FailureOf(result), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_outside, "t.jsonl")));
    }

    [Fact]
    public async Task SqlExecute_CannotAttachADatabaseOutside_OnSqlite()
    {
        var target = Path.Combine(_outside, "x.db");

        var result = await RunAsync("sql.execute", new { sql = $"ATTACH DATABASE '{target}' AS x; CREATE TABLE x.t (a INTEGER)" });

        Assert.Contains("not authorized", FailureOf(result), StringComparison.Ordinal);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public async Task SqlExecute_AttachesADatabaseInside_OnSqlite()
    {
        var result = await RunAsync("sql.execute", new { sql = $"ATTACH DATABASE '{_harness.PathOf("other.db")}' AS o; CREATE TABLE o.t (a INTEGER)" });

        Assert.Equal(TaskState.Succeeded, Assert.Single(result.Tasks).State);
        Assert.True(File.Exists(_harness.PathOf("other.db")));
    }
}
