using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Orchestrator.Activities.DataFiles;

namespace Orchestrator.Cli.Tests;

/// <summary>What the seed 000 and 001 reference workflows produce on the embedded default: files and warehouse tables with the expected row counts.</summary>
public sealed class WorkflowCountsTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("orchestrator-counts-").FullName;

    // The CLI runs in its own process and the warehouse is read without pooling: no connection is left open here.
    public void Dispose() => Directory.Delete(_work, recursive: true);

    private async Task<Dictionary<string, JsonNode>> RunAsync(string workflow, params string[] parameters)
    {
        var result = await CliProcess.RunAsync(_work, ["run", Path.Combine(CliProcess.RepositoryRoot, "workflows", workflow), .. parameters, "--output", "json"]);
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        return JsonNode.Parse(result.Stdout)!["tasks"]!.AsArray().ToDictionary(t => (string)t!["id"]!, t => t!["outputs"]!);
    }

    private long Count(string table)
    {
        using var db = new SqliteConnection($"Data Source={Path.Combine(_work, "data", "warehouse.db")};Pooling=False");
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {table}";
        return (long)command.ExecuteScalar()!;
    }

    private async Task<long> RecordsAsync(string relative)
    {
        var path = Path.Combine(_work, "data", relative);
        long count = 0;
        await foreach (var _ in RecordReader.ReadAsync(path, RecordFormats.Resolve(path, null), CancellationToken.None))
        {
            count++;
        }

        return count;
    }

    [Fact]
    public async Task AgricultureDataflow_HarmonisesEverySource_AndLoadsTheCleanRows()
    {
        var tasks = await RunAsync("agriculture-dataflow.json", "-p", "rows=400", "-p", "streamed=50");

        var generated = (long)tasks["generate_csv"]["rows"]! + (long)tasks["generate_xlsx"]["rows"]! + (long)tasks["generate_yaml"]["rows"]!;
        Assert.True(generated >= 1200, "three sources of 400 rows, plus dirty duplicates");
        Assert.Equal(generated, (long)tasks["harmonise"]["rows"]!);
        var clean = (long)tasks["clean"]["rowsOut"]!;
        Assert.InRange(clean, 1000, 1200);
        Assert.Equal(clean, Count("agriculture_clean"));
        Assert.Equal(5, (long)tasks["ingest"]["count"]!); // the three generated files and the two converted ones
        Assert.Equal((long)tasks["bi"]["rows"]!, await RecordsAsync((string)tasks["bi"]["path"]!));
        Assert.Equal(50, (long)tasks["stream"]["count"]!);
    }

    [Fact]
    public async Task MeteoStream_LandsEveryReading_AndUpsertsOneRowPerStationHour()
    {
        var tasks = await RunAsync("meteo-stream.json", "-p", "readings=600");

        Assert.Equal(600, (long)tasks["publish"]["count"]!);
        Assert.Equal(600, (long)tasks["land"]["count"]!);
        Assert.Equal(600, await RecordsAsync((string)tasks["land"]["path"]!));
        var stationHours = (long)tasks["hourly"]["rows"]!;
        Assert.InRange(stationHours, 12, 24); // 12 stations, within one or two clock hours
        Assert.Equal(stationHours, Count("weather_hourly"));
    }
}
