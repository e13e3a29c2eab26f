using System.Text.Json;
using Orchestrator.Activities.Tests.Support;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Model;

namespace Orchestrator.Activities.Tests.Data;

/// <summary>data.transform in real workflows: DuckDB SQL over csv and jsonl views, cubes, output formats, and paths kept inside the data directory.</summary>
public sealed class DataTransformTests
{
    private static async Task WriteAsync(WorkflowHarness harness, string relative, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(harness.PathOf(relative))!);
        await File.WriteAllTextAsync(harness.PathOf(relative), text);
    }

    private static string Workflow(object with) => JsonSerializer.Serialize(new
    {
        id = "transform",
        tasks = new[] { new { id = "transform", activity = "data.transform", with } },
    });

    [Fact]
    public async Task Transform_WritesTheJoinedAggregate_WhenInputsAreCsvAndJsonl()
    {
        await using var harness = new WorkflowHarness();
        await WriteAsync(harness, "in/orders.csv", "order_id,customer_id,amount\n1,10,5.5\n2,10,4.5\n3,20,7\n");
        await WriteAsync(harness, "in/customers.jsonl", "{\"customer_id\":10,\"city\":\"Lyon\"}\n{\"customer_id\":20,\"city\":\"Oslo\"}\n");

        var result = await harness.RunAsync(Workflow(new
        {
            inputs = new { orders = "in/orders.csv", customers = "in/customers.jsonl" },
            sql = "SELECT c.city, count(*) AS orders, sum(o.amount) AS total FROM orders o JOIN customers c USING (customer_id) GROUP BY c.city ORDER BY c.city",
            output = "out/by_city.csv",
        }));

        var outputs = WorkflowHarness.Outputs(result, "transform");
        Assert.Equal(2, outputs.GetProperty("rows").GetInt64());
        Assert.Equal(["city", "orders", "total"], outputs.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!));
        Assert.Equal("out/by_city.csv", outputs.GetProperty("path").GetString());
        Assert.Equal(["city,orders,total", "Lyon,2,10.0", "Oslo,1,7.0"], await File.ReadAllLinesAsync(harness.PathOf("out/by_city.csv")));
    }

    [Fact]
    public async Task Transform_WritesEveryCubeLevel_WhenTheSqlGroupsByCube()
    {
        await using var harness = new WorkflowHarness();
        await WriteAsync(harness, "sales.csv", "region,product,amount\nnorth,a,1\nnorth,b,2\nsouth,a,4\n");

        var result = await harness.RunAsync(Workflow(new
        {
            inputs = new { sales = "sales.csv" },
            sql = "SELECT region, product, sum(amount) AS total, GROUPING(region, product) AS level FROM sales GROUP BY CUBE (region, product)",
            output = "cube.jsonl",
        }));

        Assert.Equal(8, WorkflowHarness.Outputs(result, "transform").GetProperty("rows").GetInt64());
        var rows = (await File.ReadAllLinesAsync(harness.PathOf("cube.jsonl"))).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        var grand = Assert.Single(rows, r => r.GetProperty("level").GetInt32() == 3);
        Assert.Equal(7, grand.GetProperty("total").GetInt64());
        Assert.Equal(5, rows.Single(r => r.GetProperty("level").GetInt32() == 2 && r.GetProperty("product").GetString() == "a").GetProperty("total").GetInt64());
        Assert.Equal(3, rows.Single(r => r.GetProperty("level").GetInt32() == 1 && r.GetProperty("region").GetString() == "north").GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Transform_WritesParquetThatReadsBack_WhenTheOutputIsParquet()
    {
        await using var harness = new WorkflowHarness();
        await WriteAsync(harness, "it's here/a.json", "[{\"x\":1},{\"x\":2},{\"x\":3}]");

        var result = await harness.RunAsync(Workflow(new
        {
            inputs = new { a = "it's here/a.json" },
            sql = "SELECT x * 10 AS y FROM a WHERE x > 1",
            output = "it's here/b.parquet",
        }));

        Assert.Equal(2, WorkflowHarness.Outputs(result, "transform").GetProperty("rows").GetInt64());
        var back = await harness.RunAsync(Workflow(new
        {
            inputs = new { b = "it's here/b.parquet" },
            sql = "SELECT sum(y) AS s FROM b",
            output = "sum.json",
        }));
        WorkflowHarness.Outputs(back, "transform");
        Assert.Equal(50, JsonDocument.Parse(await File.ReadAllTextAsync(harness.PathOf("sum.json"))).RootElement[0].GetProperty("s").GetInt64());
    }

    [Theory]
    [InlineData("../outside.csv", "out.csv")]
    [InlineData("in.csv", "../outside.csv")]
    public async Task Transform_FailsWithOutsideTheDataDirectory_WhenAPathEscapesIt(string inputPath, string outputPath)
    {
        await using var harness = new WorkflowHarness();
        await WriteAsync(harness, "in.csv", "a\n1\n");

        var result = await harness.RunAsync(Workflow(new { inputs = new { t = inputPath }, sql = "SELECT * FROM t", output = outputPath }));

        Assert.Equal(TaskState.Failed, Assert.Single(result.Tasks).State);
        Assert.Contains("outside the data directory", result.Attempts.First().Error);
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(harness.DataDirectory)!, "outside.csv")));
    }

    [Fact]
    public async Task Transform_FailsWithDuckDbsMessage_WhenTheSqlIsWrong()
    {
        await using var harness = new WorkflowHarness();
        await WriteAsync(harness, "in.csv", "a\n1\n");

        var result = await harness.RunAsync(Workflow(new { inputs = new { t = "in.csv" }, sql = "SELECT missing_column FROM t", output = "out.csv" }));

        Assert.Equal(TaskState.Failed, Assert.Single(result.Tasks).State);
        Assert.Contains("missing_column", result.Attempts.First().Error);
        Assert.False(File.Exists(harness.PathOf("out.csv")));
    }
}

/// <summary>A cancelled attempt interrupts the DuckDB statement it is running and leaves no output file.</summary>
public sealed class DataTransformCancellationTests
{
    // 1 ms lands before DuckDB has begun the statement (an interrupt it would forget), 300 ms lands inside it.
    [Theory]
    [InlineData(1)]
    [InlineData(300)]
    public async Task Transform_StopsWithCancellation_WhenTheTokenIsCancelledDuringALongQuery(int cancelAfterMilliseconds)
    {
        using var folder = new TempFolder();
        await File.WriteAllTextAsync(Path.Combine(folder.Path, "one.csv"), "a\n1\n");
        using var cancellation = new CancellationTokenSource();
        var input = new System.Text.Json.Nodes.JsonObject
        {
            ["inputs"] = new System.Text.Json.Nodes.JsonObject { ["one"] = "one.csv" },
            // Minutes of work uncancelled: a trillion-row cross join.
            ["sql"] = "SELECT count(*) AS n FROM range(1000000) x, range(1000000) y, one",
            ["output"] = "never.csv",
        };

        var running = Task.Run(() => new Orchestrator.Activities.Data.DataTransformActivity()
            .ExecuteAsync(input, DataActivityContext.Create(folder.Path, TimeProvider.System, cancellation.Token)));
        cancellation.CancelAfter(TimeSpan.FromMilliseconds(cancelAfterMilliseconds));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.False(File.Exists(Path.Combine(folder.Path, "never.csv")));
    }
}
