using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Orchestrator.Activities.Streams;
using Orchestrator.Activities.Streams.Kafka;
using Orchestrator.Core.Connections;
using Orchestrator.Testing;

namespace Orchestrator.Cli.Tests;

/// <summary>
/// A consume attempt killed with SIGKILL during its read commits nothing: the next attempt reads the whole batch
/// again. Real process, real Kafka protocol (librdkafka's mock cluster).
/// </summary>
public sealed class KilledConsumeTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("orchestrator-kill-").FullName;
    private readonly KafkaMockCluster _cluster = KafkaMockCluster.Start();

    public void Dispose()
    {
        _cluster.Dispose();
        Directory.Delete(_work, recursive: true);
    }

    private const string StopAtEnd = "{{ params.stop }}";

    private static string Workflow(string topic, string group) => $$"""
        {
          "id": "killed-consume",
          "tasks": [
            { "id": "consume", "activity": "kafka.consume",
              "with": { "topic": "{{topic}}", "group": "{{group}}", "maxMessages": 100000,
                        "stopAtEnd": "{{StopAtEnd}}", "maxDuration": "PT5M", "path": "batch.jsonl" } }
          ],
          "params": { "stop": { "type": "boolean", "default": true } }
        }
        """;

    [Fact]
    public async Task KilledConsumeAttempt_CommitsNothing_SoTheNextAttemptReadsTheWholeBatchAgain()
    {
        // The killed member keeps its partitions until its session times out; the next attempt waits for them.
        _cluster.SetGroupSessionTimeout(TimeSpan.FromSeconds(3));
        var topic = _cluster.CreateUniqueTopic(partitions: 3, prefix: "killed");
        var group = KafkaMockCluster.UniqueName("group");
        var stream = new KafkaEventStream(
            new Connection("events", ConnectionTypes.Kafka, new Dictionary<string, string> { ["bootstrap.servers"] = _cluster.BootstrapServers }),
            TimeProvider.System, NullLogger<KafkaEventStream>.Instance);
        using (var producer = stream.CreateProducer(new ProducerSettings()))
        {
            await producer.ProduceAsync(topic, Enumerable.Range(0, 300).Select(i => new OutgoingMessage($"k{i}", System.Text.Encoding.UTF8.GetBytes($$"""{"n":{{i}}}"""))).ToArray(), CancellationToken.None);
        }

        var file = Path.Combine(_work, "killed.json");
        await File.WriteAllTextAsync(file, Workflow(topic, group));
        var environment = new Dictionary<string, string> { ["ORCHESTRATOR_CONN_EVENTS"] = $"kafka://{_cluster.BootstrapServers}" };

        // Attempt 1 reads and keeps reading (stopAtEnd false, up to 5 minutes): it is killed inside its read, before
        // any batch file or commit.
        using (var attempt = CliProcess.Start(_work, environment, "run", file, "-p", "stop=false"))
        {
            await attempt.WaitForStderrAsync(line => line.Contains("[consume] Reading", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
            attempt.Kill();
        }

        Assert.False(File.Exists(Path.Combine(_work, "data", "batch.jsonl")), "the killed attempt wrote no batch");

        var next = await CliProcess.RunAsync(_work, environment, "run", file, "--output", "json");

        Assert.True(next.ExitCode == 0, next.Stdout + next.Stderr);
        var outputs = JsonNode.Parse(next.Stdout)!["tasks"]![0]!["outputs"]!;
        Assert.Equal(300, (long)outputs["count"]!);
        Assert.All(outputs["partitions"]!.AsArray(), p => Assert.Equal(0, (long)p!["firstOffset"]!));
        var values = File.ReadAllLines(Path.Combine(_work, "data", "batch.jsonl")).Select(l => (int)JsonNode.Parse(l)!["value"]!["n"]!).Order();
        Assert.Equal(Enumerable.Range(0, 300), values);
    }
}
