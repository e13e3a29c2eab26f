using System.Text.Json;
using System.Text.Json.Nodes;
using Orchestrator.Activities.DataFiles;

namespace Orchestrator.Cli.Tests;

/// <summary>
/// The reference streaming workflows run with <c>orchestrator run</c> on the embedded default (the local event log),
/// and the connections of the environment are listed with their secrets masked.
/// </summary>
public sealed class StreamingWorkflowTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("orchestrator-stream-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private static long DefaultParam(string workflow, string name)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(CliProcess.RepositoryRoot, "workflows", workflow)));
        return json.RootElement.GetProperty("params").GetProperty(name).GetProperty("default").GetInt64();
    }

    private async Task<long> CountRecordsAsync(string relative)
    {
        var path = Path.Combine(_work, "data", relative);
        long count = 0;
        await foreach (var _ in RecordReader.ReadAsync(path, RecordFormats.Resolve(path, null), CancellationToken.None))
        {
            count++;
        }

        return count;
    }

    [Theory]
    [InlineData("stream-to-lake.json", "generate", "to_lake")]
    [InlineData("population-stream.json", "start_producer", "start_consumer")]
    public async Task Run_Succeeds_AndTheConsumerWritesEveryProducedRecord_OnTheEmbeddedDefault(string workflow, string producer, string consumer)
    {
        var result = await CliProcess.RunAsync(_work, "run", Path.Combine(CliProcess.RepositoryRoot, "workflows", workflow), "--output", "json");

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        var report = JsonNode.Parse(result.Stdout)!;
        Assert.Equal("succeeded", (string?)report["state"]);
        var tasks = report["tasks"]!.AsArray().ToDictionary(t => (string)t!["id"]!, t => t!);
        var records = DefaultParam(workflow, "records");
        Assert.Equal(records, (long)tasks[producer]["outputs"]!["count"]!);
        Assert.Equal(records, (long)tasks[consumer]["outputs"]!["count"]!);
        Assert.Equal(records, await CountRecordsAsync((string)tasks[consumer]["outputs"]!["path"]!));
    }

    [Fact]
    public async Task Run_ConsumesOnlyTheNewRecords_WhenTheWorkflowRunsAgain()
    {
        var workflow = Path.Combine(CliProcess.RepositoryRoot, "workflows", "stream-to-lake.json");
        Assert.Equal(0, (await CliProcess.RunAsync(_work, "run", workflow, "-p", "records=30")).ExitCode);

        var second = await CliProcess.RunAsync(_work, "run", workflow, "-p", "records=20", "--output", "json");

        Assert.True(second.ExitCode == 0, second.Stdout + second.Stderr);
        var toLake = JsonNode.Parse(second.Stdout)!["tasks"]!.AsArray().Single(t => (string)t!["id"]! == "to_lake")!;
        Assert.Equal(20, (long)toLake["outputs"]!["count"]!);
        Assert.Equal(30, (long)toLake["outputs"]!["partitions"]![0]!["firstOffset"]!);
    }

    [Fact]
    public async Task Connections_ListsTheEnvironmentsConnections_WithSecretsMasked()
    {
        var result = await CliProcess.RunAsync(_work,
            new Dictionary<string, string> { ["ORCHESTRATOR_CONN_WAREHOUSE"] = "postgresql://etl:hunter22@127.0.0.1:5432/dwh" },
            "connections", "--json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.DoesNotContain("hunter22", result.Stdout, StringComparison.Ordinal);
        var connections = JsonNode.Parse(result.Stdout)!.AsArray();
        Assert.Equal(["events", "lake", "search", "warehouse"], connections.Select(c => (string)c!["name"]!));
        var warehouse = connections.Single(c => (string)c!["name"]! == "warehouse")!;
        Assert.Equal("postgresql", (string?)warehouse["type"]);
        Assert.Equal("***", (string?)warehouse["settings"]!["password"]);
    }

    [Fact]
    public async Task AnyCommand_ExitsTwoNamingTheVariable_WhenAConnectionUriIsBad()
    {
        var result = await CliProcess.RunAsync(_work, new Dictionary<string, string> { ["ORCHESTRATOR_CONN_EVENTS"] = "kafka:broker:9092" }, "activities");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("connection 'events'", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("needs // after the scheme", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_ReportsAnUnknownConnection_WithItsLine()
    {
        var path = Path.Combine(_work, "typo.json");
        await File.WriteAllTextAsync(path, """
            {
              "id": "typo",
              "tasks": [
                { "id": "produce", "activity": "kafka.produce",
                  "with": { "connection": "evnets", "topic": "t", "records": [1] } }
              ]
            }
            """);

        var result = await CliProcess.RunAsync(_work, "validate", path);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("typo.json:5:", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("error WF050", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("did you mean 'events'", result.Stdout, StringComparison.Ordinal);
    }
}
