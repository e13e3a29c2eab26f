using System.Security.Cryptography;
using System.Text.Json;
using System.Xml.Linq;
using Orchestrator.Activities.DataFiles;
using Orchestrator.Activities.Tests.Support;

namespace Orchestrator.Activities.Tests.Generation;

public sealed class GenerateActivityTests
{
    private static string Workflow(string dataset, int rows, string path, double dirtyRatio = 0, int seed = 7) => $$"""
        {
          "id": "generate",
          "tasks": [
            { "id": "generate", "activity": "data.generate",
              "with": { "dataset": "{{dataset}}", "rows": {{rows}}, "path": "{{path}}", "seed": {{seed}}, "dirtyRatio": {{dirtyRatio.ToString(System.Globalization.CultureInfo.InvariantCulture)}},
                        "start": "2026-11-23T10:00:00Z", "interval": "PT1M" } }
          ]
        }
        """;

    [Theory]
    [InlineData("transactions", "out/t.csv")]
    [InlineData("weather", "out/w.jsonl")]
    [InlineData("agriculture", "out/a.parquet")]
    [InlineData("population", "out/p.json")]
    [InlineData("transactions", "out/t.yaml")]
    [InlineData("weather", "out/w.xml")]
    public async Task Generate_WritesTheSameBytes_ForTheSameSeed(string dataset, string path)
    {
        await using var first = new WorkflowHarness();
        await using var second = new WorkflowHarness();

        var a = WorkflowHarness.Outputs(await first.RunAsync(Workflow(dataset, 200, path)), "generate");
        var b = WorkflowHarness.Outputs(await second.RunAsync(Workflow(dataset, 200, path)), "generate");

        Assert.Equal(200, a.GetProperty("rows").GetInt64());
        Assert.True(a.GetProperty("bytes").GetInt64() > 1000);
        Assert.Equal(SHA256.HashData(await File.ReadAllBytesAsync(first.PathOf(path))), SHA256.HashData(await File.ReadAllBytesAsync(second.PathOf(path))));
        Assert.Equal(a.GetProperty("bytes").GetInt64(), b.GetProperty("bytes").GetInt64());
    }

    [Fact]
    public async Task Generate_WritesTheSameWorkbookRows_ForTheSameSeed_AsXlsx()
    {
        // A workbook is a zip whose entries carry their write time: the rows are what repeats.
        await using var first = new WorkflowHarness();
        await using var second = new WorkflowHarness();

        await first.RunAsync(Workflow("agriculture", 50, "a.xlsx"));
        await second.RunAsync(Workflow("agriculture", 50, "a.xlsx"));

        static List<string> Rows(string path) => MiniExcelLibs.MiniExcel.Query(path, useHeaderRow: true)
            .Select(r => string.Join("|", ((IDictionary<string, object?>)r).Select(c => $"{c.Key}={c.Value}"))).ToList();
        var rows = Rows(first.PathOf("a.xlsx"));
        Assert.Equal(50, rows.Count);
        Assert.StartsWith("farm_id=F0001|region=", rows[0]);
        Assert.Equal(rows, Rows(second.PathOf("a.xlsx")));
    }

    [Fact]
    public async Task Generate_SpoilsAboutTheRatio_WithDuplicatesMissingAndOutOfRangeValues()
    {
        await using var harness = new WorkflowHarness();

        var outputs = WorkflowHarness.Outputs(await harness.RunAsync(Workflow("transactions", 2000, "dirty.jsonl", dirtyRatio: 0.2)), "generate");

        var dirty = outputs.GetProperty("dirty").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
        Assert.InRange(dirty.Values.Sum(), 300, 500);
        Assert.All(new[] { "duplicate", "missing", "outOfRange", "padded" }, kind => Assert.True(dirty[kind] > 0, kind));
        var rows = new List<JsonElement>();
        await foreach (var record in RecordReader.ReadAsync(harness.PathOf("dirty.jsonl"), RecordFormat.Jsonl, CancellationToken.None))
        {
            rows.Add(JsonSerializer.SerializeToElement(record));
        }

        Assert.Equal(2000 + dirty["duplicate"], rows.Count);
        Assert.Equal(rows.Count, outputs.GetProperty("rows").GetInt64());
        Assert.Equal(dirty["duplicate"], rows.Count - rows.Select(r => r.GetProperty("transaction_id").GetString()).Distinct().Count());
        Assert.Contains(rows, r => r.EnumerateObject().Any(p => p.Value.ValueKind == JsonValueKind.Null));
        Assert.Contains(rows, r => r.GetProperty("amount").ValueKind == JsonValueKind.Number && r.GetProperty("amount").GetDouble() < 0);
    }

    [Fact]
    public async Task Generate_StampsRowsFromStartByInterval_AndWritesCsvThatReadsBack()
    {
        await using var harness = new WorkflowHarness();

        await harness.RunAsync(Workflow("weather", 3, "w.csv"));

        var rows = new List<System.Text.Json.Nodes.JsonNode?>();
        await foreach (var record in RecordReader.ReadAsync(harness.PathOf("w.csv"), RecordFormat.Csv, CancellationToken.None))
        {
            rows.Add(record);
        }

        Assert.Equal(["2026-11-23T10:00:00.000Z", "2026-11-23T10:01:00.000Z", "2026-11-23T10:02:00.000Z"], rows.Select(r => (string)r!["timestamp"]!));
        Assert.Equal(["ST001", "ST002", "ST003"], rows.Select(r => (string)r!["station_id"]!));
    }

    [Fact]
    public async Task Generate_WritesOneXmlRecordPerRow_WithTheFieldsAsElements()
    {
        await using var harness = new WorkflowHarness();

        await harness.RunAsync(Workflow("population", 5, "p.xml"));

        var records = XDocument.Load(harness.PathOf("p.xml")).Root!.Elements().ToList();
        Assert.Equal(5, records.Count);
        Assert.Equal("P0000001", records[0].Element("person_id")!.Value);
    }
}
