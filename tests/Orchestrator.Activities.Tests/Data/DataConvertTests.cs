using System.Text.Json;
using Orchestrator.Activities.DataFiles;
using Orchestrator.Activities.Tests.Support;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Model;

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

    private static async Task<List<JsonElement>> ReadJsonlAsync(string path)
    {
        var rows = new List<JsonElement>();
        await foreach (var row in RecordReader.ReadAsync(path, RecordFormat.Jsonl, CancellationToken.None))
        {
            rows.Add(JsonSerializer.SerializeToElement(row));
        }

        return rows;
    }

    [Fact]
    public async Task Convert_KeepsRowsAndValues_WhenCsvGoesThroughXlsxYamlAndXmlToJsonl()
    {
        await using var harness = new WorkflowHarness();
        await File.WriteAllTextAsync(harness.PathOf("in.csv"), "id,name,score,ok\n1,\"Smith, Jo\",1.5,true\n2,O'Neil <b>,,false\n");

        var result = await harness.RunAsync(Workflow(
            ("xlsx", new { input = "in.csv", output = "s/a.xlsx" }),
            ("yaml", new { input = "s/a.xlsx", output = "s/b.yaml" }),
            ("xml", new { input = "s/b.yaml", output = "s/c.xml" }),
            ("jsonl", new { input = "s/c.xml", output = "s/d.jsonl" })));

        Assert.Equal(2, WorkflowHarness.Outputs(result, "xlsx").GetProperty("rows").GetInt64());
        Assert.Equal("xml", WorkflowHarness.Outputs(result, "xml").GetProperty("format").GetString());
        Assert.Equal(2, WorkflowHarness.Outputs(result, "jsonl").GetProperty("rows").GetInt64());
        var rows = await ReadJsonlAsync(harness.PathOf("s/d.jsonl"));
        Assert.Equal([1L, 2L], rows.Select(r => r.GetProperty("id").GetInt64()));
        Assert.Equal("Smith, Jo", rows[0].GetProperty("name").GetString());
        Assert.Equal("O'Neil <b>", rows[1].GetProperty("name").GetString());
        Assert.Equal(1.5, rows[0].GetProperty("score").GetDouble());
        Assert.Equal(JsonValueKind.Null, rows[1].GetProperty("score").ValueKind);
        Assert.True(rows[0].GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task Convert_ReadsRecordsAsTheFileSpellsThem_WhenTheInputIsYamlOrXml()
    {
        await using var harness = new WorkflowHarness();
        await File.WriteAllTextAsync(harness.PathOf("in.yaml"), "- code: '007'\n  qty: 3\n- code: '042'\n  qty: ~\n");
        await File.WriteAllTextAsync(harness.PathOf("in.xml"), "<orders><order><code>x</code><qty>2</qty></order><order><code>y</code><qty/></order></orders>");

        var result = await harness.RunAsync(Workflow(
            ("yaml", new { input = "in.yaml", output = "yaml.jsonl" }),
            ("xml", new { input = "in.xml", output = "xml.csv" })));

        WorkflowHarness.Outputs(result, "xml");
        var fromYaml = await ReadJsonlAsync(harness.PathOf("yaml.jsonl"));
        Assert.Equal(["007", "042"], fromYaml.Select(r => r.GetProperty("code").GetString()));
        Assert.Equal(3, fromYaml[0].GetProperty("qty").GetInt64());
        Assert.Equal(JsonValueKind.Null, fromYaml[1].GetProperty("qty").ValueKind);
        Assert.Equal(["code,qty", "x,2", "y,"], await File.ReadAllLinesAsync(harness.PathOf("xml.csv")));
    }
}
