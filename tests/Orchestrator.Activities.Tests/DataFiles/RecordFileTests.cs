using System.Text.Json.Nodes;
using Orchestrator.Activities.DataFiles;
using Orchestrator.Core.Activities;

namespace Orchestrator.Activities.Tests.DataFiles;

public sealed class RecordFileTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("orchestrator-files-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static async Task<List<JsonNode?>> ReadAllAsync(string path, RecordFormat format)
    {
        var records = new List<JsonNode?>();
        await foreach (var record in RecordReader.ReadAsync(path, format, CancellationToken.None))
        {
            records.Add(record);
        }

        return records;
    }

    [Fact]
    public async Task ReadCsv_TypesNumbersBooleansAndNulls_ButKeepsCodesWithLeadingZeros()
    {
        var path = Path.Combine(_root, "people.csv");
        await File.WriteAllTextAsync(path, "id,zip,income,insured,note\n1,07300,52000.5,true,\n2,75001,-3,false,\"a, quoted\"\n");

        var records = await ReadAllAsync(path, RecordFormats.Resolve(path, null));

        Assert.Equal(2, records.Count);
        Assert.Equal("""{"id":1,"zip":"07300","income":52000.5,"insured":true,"note":null}""", records[0]!.ToJsonString());
        Assert.Equal("""{"id":2,"zip":75001,"income":-3,"insured":false,"note":"a, quoted"}""", records[1]!.ToJsonString());
    }

    [Fact]
    public async Task ReadCsv_DetectsSemicolonDelimiter()
    {
        var path = Path.Combine(_root, "semi.csv");
        await File.WriteAllTextAsync(path, "city;temp\nParis;3.5\n");

        var record = Assert.Single(await ReadAllAsync(path, RecordFormat.Csv));

        Assert.Equal("""{"city":"Paris","temp":3.5}""", record!.ToJsonString());
    }

    [Fact]
    public async Task ParquetRoundTrip_KeepsTypesNullsAndTimestamps()
    {
        var path = Path.Combine(_root, "batch.parquet");
        JsonObject[] rows =
        [
            new() { ["offset"] = 1, ["amount"] = 12.5, ["ok"] = true, ["city"] = "Lyon", ["timestamp"] = "2026-11-23T10:00:00.123Z", ["tags"] = new JsonArray("a", "b") },
            new() { ["offset"] = 2, ["amount"] = 7, ["ok"] = null, ["city"] = null, ["timestamp"] = "2026-11-23T10:00:01Z" },
        ];

        await RecordWriter.WriteAsync(path, RecordFormat.Parquet, rows, [("timestamp", ColumnKind.Timestamp)], CancellationToken.None);
        var back = await ReadAllAsync(path, RecordFormat.Parquet);

        Assert.Equal("""{"timestamp":"2026-11-23T10:00:00.123Z","offset":1,"amount":12.5,"ok":true,"city":"Lyon","tags":"[\u0022a\u0022,\u0022b\u0022]"}""", back[0]!.ToJsonString());
        Assert.Equal("""{"timestamp":"2026-11-23T10:00:01Z","offset":2,"amount":7,"ok":null,"city":null,"tags":null}""", back[1]!.ToJsonString());
    }

    [Fact]
    public async Task WriteJsonl_ThenRead_GivesTheSameRecords_AndLeavesNoTemporaryFile()
    {
        var path = Path.Combine(_root, "out", "batch.jsonl");
        JsonObject[] rows = [new() { ["a"] = 1 }, new() { ["b"] = new JsonObject { ["c"] = "x" } }];

        await RecordWriter.WriteAsync(path, RecordFormat.Jsonl, rows, null, CancellationToken.None);

        Assert.Equal(["""{"a":1}""", """{"b":{"c":"x"}}"""], await File.ReadAllLinesAsync(path));
        Assert.Equal(["batch.jsonl"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
        Assert.Equal(2, (await ReadAllAsync(path, RecordFormat.Jsonl)).Count);
    }

    [Fact]
    public async Task WriteParquet_WritesAReadableFile_WhenThereAreNoRecords()
    {
        var path = Path.Combine(_root, "empty.parquet");

        await RecordWriter.WriteAsync(path, RecordFormat.Parquet, [], [("offset", ColumnKind.Int64)], CancellationToken.None);

        Assert.Empty(await ReadAllAsync(path, RecordFormat.Parquet));
        Assert.Equal(["offset"], (await Parquet.ParquetReader.ReadSchemaAsync(path)).GetDataFields().Select(f => f.Name));
    }

    [Fact]
    public async Task ReadJsonl_NamesFileAndLine_WhenALineIsNotJson()
    {
        var path = Path.Combine(_root, "bad.jsonl");
        await File.WriteAllTextAsync(path, "{\"a\":1}\n{oops\n");

        var error = await Assert.ThrowsAsync<ActivityFailedException>(() => ReadAllAsync(path, RecordFormat.Jsonl));

        Assert.Contains("bad.jsonl:2:", error.Message);
    }

    [Theory]
    [InlineData("a.csv", null, RecordFormat.Csv)]
    [InlineData("a.ndjson", null, RecordFormat.Jsonl)]
    [InlineData("a.txt", null, RecordFormat.Text)]
    [InlineData("a.dat", "parquet", RecordFormat.Parquet)]
    public void Resolve_UsesFormatOrExtension(string path, string? format, RecordFormat expected)
        => Assert.Equal(expected, RecordFormats.Resolve(path, format));

    [Fact]
    public void Resolve_AsksForAFormat_WhenExtensionIsUnknown()
        => Assert.Contains("set format", Assert.Throws<ActivityFailedException>(() => RecordFormats.Resolve("a.dat", null)).Message);
}
