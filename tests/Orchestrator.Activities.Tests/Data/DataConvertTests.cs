using System.Text.Json;
using Orchestrator.Activities.Tests.Support;
using Orchestrator.DataFiles;
using Orchestrator.Model;

namespace Orchestrator.Activities.Tests.Data;

/// <summary>data.convert: round trips between the DuckDB formats keep rows and values, and paths stay inside the data directory.</summary>
public sealed class DataConvertTests
{
    private static string Workflow(params (string Id, object With)[] steps) => JsonSerializer.Serialize(new
    {
        id = "convert",
        tasks = steps.Select((s, i) => new
        {
            id = s.Id,
            activity = "data.convert",
            with = s.With,
            dependsOn = i == 0 ? Array.Empty<string>() : [steps[i - 1].Id],
        }),
    });

    [Fact]
    public async Task Convert_KeepsRowsAndValues_WhenCsvGoesThroughParquetAndJsonToJsonl()
    {
        await using var harness = new WorkflowHarness();
        await File.WriteAllTextAsync(harness.PathOf("in.csv"), "id,name,score\n1,\"Smith, Jo\",1.5\n2,Lee,\n");

        var result = await harness.RunAsync(Workflow(
            ("parquet", new { input = "in.csv", output = "a/b.parquet" }),
            ("json", new { input = "a/b.parquet", output = "a/c.json" }),
            ("jsonl", new { input = "a/c.json", output = "a/d.data", format = "jsonl" })));

        Assert.Equal(2, WorkflowHarness.Outputs(result, "parquet").GetProperty("rows").GetInt64());
        Assert.Equal("jsonl", WorkflowHarness.Outputs(result, "jsonl").GetProperty("format").GetString());
        var rows = new List<JsonElement>();
        await foreach (var row in RecordReader.ReadAsync(harness.PathOf("a/d.data"), RecordFormat.Jsonl, CancellationToken.None))
        {
            rows.Add(JsonSerializer.SerializeToElement(row));
        }

        Assert.Equal(2, rows.Count);
        Assert.Equal("Smith, Jo", rows[0].GetProperty("name").GetString());
        Assert.Equal(1.5, rows[0].GetProperty("score").GetDouble());
        Assert.Equal(JsonValueKind.Null, rows[1].GetProperty("score").ValueKind);
    }

    [Fact]
    public async Task Convert_FailsNamingTheFormats_WhenTheOutputFormatIsUnknown()
    {
        await using var harness = new WorkflowHarness();
        await File.WriteAllTextAsync(harness.PathOf("in.csv"), "id\n1\n");

        var result = await harness.RunAsync(Workflow(("convert", new { input = "in.csv", output = "out.bin" })));

        Assert.Equal(TaskState.Failed, Assert.Single(result.Tasks).State);
        Assert.Contains("cannot tell the format of", result.Attempts.First().Error);
    }

    [Fact]
    public async Task Convert_FailsWithOutsideTheDataDirectory_WhenTheOutputEscapesIt()
    {
        await using var harness = new WorkflowHarness();
        await File.WriteAllTextAsync(harness.PathOf("in.csv"), "id\n1\n");

        var result = await harness.RunAsync(Workflow(("convert", new { input = "in.csv", output = "../escaped.parquet" })));

        Assert.Equal(TaskState.Failed, Assert.Single(result.Tasks).State);
        Assert.Contains("outside the data directory", result.Attempts.First().Error);
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(harness.DataDirectory)!, "escaped.parquet")));
    }
}
