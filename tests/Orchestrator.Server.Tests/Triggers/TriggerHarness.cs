using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Orchestrator.Activities.Streams;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Connections;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Triggers;

/// <summary>One record of a trigger batch file, and the run whose file it is in.</summary>
public sealed record BatchRecord(string Topic, int Partition, long Offset, int N, string RunId);

/// <summary>
/// A test-owned root (<c>data/</c>, <c>workflows/</c>) with a triggered workflow, a producer on the embedded local
/// event log of its data directory (independent of any server, so it can write while none runs), and readers of the
/// runs and batch files a server made of the records.
/// </summary>
public sealed class TriggerHarness : IDisposable
{
    public const string Workflow = "ingest";
    public const string Topic = "orders";

    private readonly string _root;
    private readonly bool _ownsRoot;

    /// <summary>Over a new temporary root, deleted on dispose; or over <paramref name="root"/>, left to its owner.</summary>
    public TriggerHarness(string? root = null)
    {
        _ownsRoot = root is null;
        _root = root ?? Directory.CreateTempSubdirectory("orchestrator-trigger-").FullName;
        Directory.CreateDirectory(WorkflowsDirectory);
        Directory.CreateDirectory(DataDirectory);
    }

    public string Root => _root;

    public string DataDirectory => Path.Combine(_root, "data");

    public string WorkflowsDirectory => Path.Combine(_root, "workflows");

    /// <summary>
    /// A workflow reading <see cref="Topic"/> in batches of <paramref name="batchSize"/>, logging each batch (retried,
    /// so that an attempt on a killed node does not fail its run).
    /// </summary>
    public static string Definition(int batchSize, string connection = "events") => $$$"""
        {
          "id": "{{{Workflow}}}",
          "triggers": [ { "type": "kafka", "connection": "{{{connection}}}", "topic": "{{{Topic}}}", "batchSize": {{{batchSize}}}, "maxWait": "PT0.2S" } ],
          "tasks": [
            { "id": "report", "activity": "core.log", "retries": 2, "retryDelay": "PT0S",
              "with": { "message": "{{ trigger.count }} records in {{ trigger.path }}" } }
          ]
        }
        """;

    public Task WriteWorkflowAsync(string json) => File.WriteAllTextAsync(Path.Combine(WorkflowsDirectory, Workflow + ".json"), json);

    /// <summary>Records <c>{"n": from}</c> .. <c>{"n": from + count - 1}</c>, keyed <c>k&lt;n&gt;</c>.</summary>
    public static IReadOnlyList<OutgoingMessage> Records(int from, int count)
        => Enumerable.Range(from, count).Select(n => new OutgoingMessage($"k{n}", Encoding.UTF8.GetBytes($$"""{"n":{{n}}}"""))).ToList();

    /// <summary>Appends records to the local log of the data directory, as another process would.</summary>
    public async Task ProduceAsync(int from, int count)
    {
        using var producer = LocalStream().CreateProducer(new ProducerSettings());
        await producer.ProduceAsync(Topic, Records(from, count), CancellationToken.None);
    }

    /// <summary>The local event log of the data directory (the embedded connection <c>events</c>).</summary>
    public IEventStream LocalStream()
        => new EventStreamFactory(new DataDirectory(DataDirectory), TimeProvider.System, NullLoggerFactory.Instance)
            .Open(ConnectionCatalog.EmbeddedDefaults.Single(c => c.Name == "events"));

    /// <summary>The runs of the workflow (newest first) as the API lists them.</summary>
    public static async Task<List<JsonObject>> RunsAsync(HttpClient client)
    {
        var page = JsonNode.Parse(await client.GetStringAsync($"/api/v1/runs?workflowId={Workflow}&take=500"))!;
        return page["items"]!.AsArray().Select(r => r!.AsObject()).ToList();
    }

    /// <summary>True once the runs' trigger counts add up to <paramref name="records"/> and every run ended.</summary>
    public static async Task<bool> AllLaunchedAndEndedAsync(HttpClient client, int records)
    {
        var runs = await RunsAsync(client);
        return runs.Sum(r => (int)r["trigger"]!["count"]!) >= records
               && runs.All(r => (string?)r["state"] is "succeeded" or "failed" or "cancelled");
    }

    /// <summary>Every record of every run's batch file, with the run it belongs to.</summary>
    public List<BatchRecord> BatchRecords(IEnumerable<JsonObject> runs)
    {
        var records = new List<BatchRecord>();
        foreach (var run in runs)
        {
            var path = Path.Combine(DataDirectory, (string)run["trigger"]!["path"]!);
            foreach (var line in File.ReadAllLines(path))
            {
                var record = JsonNode.Parse(line)!;
                records.Add(new BatchRecord((string)record["topic"]!, (int)record["partition"]!, (long)record["offset"]!, (int)record["value"]!["n"]!, (string)run["id"]!));
            }
        }

        return records;
    }

    /// <summary>
    /// Fails unless the batch files of <paramref name="runs"/> hold records 0 .. <paramref name="produced"/> - 1 once
    /// each (on the local log, one partition, at offset n), every run's trigger count, offsets and file agree, and
    /// every run succeeded.
    /// </summary>
    public void AssertExactlyOnce(IReadOnlyList<JsonObject> runs, int produced, bool onePartition = true, string connection = "events")
    {
        var records = BatchRecords(runs);
        var duplicates = records.GroupBy(r => r.N).Where(g => g.Count() > 1).Select(g => $"{g.Key} in runs {string.Join(", ", g.Select(r => r.RunId))}").ToList();
        Assert.True(duplicates.Count == 0, $"records in more than one batch: {string.Join("; ", duplicates)}");
        Assert.Equal(Enumerable.Range(0, produced), records.Select(r => r.N).Order());
        Assert.Equal(records.Count, records.Select(r => (r.Topic, r.Partition, r.Offset)).Distinct().Count());
        Assert.All(records, r => Assert.Equal(Topic, r.Topic));
        if (onePartition)
        {
            Assert.All(records, r => Assert.Equal((0, (long)r.N), (r.Partition, r.Offset)));
        }

        foreach (var run in runs)
        {
            var trigger = run["trigger"]!;
            var mine = records.Where(r => r.RunId == (string)run["id"]!).ToList();
            Assert.Equal("event", (string?)run["kind"]);
            Assert.Equal("succeeded", (string?)run["state"]);
            Assert.Equal(mine.Count, (int)trigger["count"]!);
            Assert.Equal(("kafka", connection, $"orchestrator.{Workflow}", $"triggers/{Workflow}/{run["id"]}.jsonl"),
                ((string)trigger["type"]!, (string)trigger["connection"]!, (string)trigger["group"]!, (string)trigger["path"]!));
            var expected = mine.GroupBy(r => r.Partition).OrderBy(g => g.Key)
                .Select(g => (Topic, g.Key, g.Min(r => r.Offset), g.Max(r => r.Offset), g.Count()));
            var actual = trigger["offsets"]!.AsArray()
                .Select(o => ((string)o!["topic"]!, (int)o["partition"]!, (long)o["first"]!, (long)o["last"]!, (int)o["count"]!));
            Assert.Equal(expected, actual);
        }
    }

    /// <summary>The message the run's task logged: its batch's count and file, read through the templates.</summary>
    public static async Task AssertReportedAsync(HttpClient client, JsonObject run)
    {
        var details = JsonNode.Parse(await client.GetStringAsync($"/api/v1/runs/{run["id"]}"))!;
        var task = details["tasks"]![0]!;
        Assert.Equal($"{run["trigger"]!["count"]} records in {run["trigger"]!["path"]}", (string?)task["outputs"]!["message"]);
    }

    public void Dispose()
    {
        // The servers over the directory were disposed by the tests, which closed their database files.
        if (_ownsRoot)
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
