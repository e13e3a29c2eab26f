using System.Text.Json;
using System.Text.Json.Nodes;
using Orchestrator.Activities.DataFiles;
using Orchestrator.Activities.Streams;
using Orchestrator.Activities.Tests.Support;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Testing;

namespace Orchestrator.Activities.Tests.Kafka;

/// <summary>
/// kafka.produce and kafka.consume in real workflows, on the local log and on Kafka: micro-batches see every record
/// exactly once, a failed consume attempt re-reads its batch, and records that do not parse become dead letters.
/// </summary>
[Collection(KafkaCollection.Name)]
public sealed class MicroBatchTests(KafkaClusterFixture kafka)
{
    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    private static async Task<List<JsonObject>> ReadAllAsync(string path)
    {
        var records = new List<JsonObject>();
        await foreach (var record in RecordReader.ReadAsync(path, RecordFormats.Resolve(path, null), CancellationToken.None))
        {
            records.Add(record!.AsObject());
        }

        return records;
    }

    /// <summary>
    /// The group's commits, read by a new member after it read to the end and found nothing left (a Kafka member
    /// knows its partitions once it has joined).
    /// </summary>
    private static async Task<IReadOnlyDictionary<(string Topic, int Partition), long>> CommittedAsync(WorkflowHarness harness, string topic, string group)
    {
        using var consumer = harness.Stream().CreateConsumer(new ConsumerSettings { Group = group, Topics = [topic] });
        var left = await consumer.ReadAsync(new BatchLimits { MaxMessages = 1000, MaxWait = TimeSpan.FromSeconds(30) }, CancellationToken.None);
        Assert.Empty(left);
        return await consumer.CommittedAsync(CancellationToken.None);
    }

    [Theory]
    [InlineData(StreamBackend.Local)]
    [InlineData(StreamBackend.Kafka)]
    public async Task TwoMicroBatches_SeeEveryRecordExactlyOnce_AndCommitTheEnd_When100kRecordsAreProduced(StreamBackend backend)
    {
        const int records = 100_000;
        var topic = Unique("orders");
        var group = Unique("lake");
        await using var harness = kafka.Harness(backend, topic);
        Directory.CreateDirectory(harness.PathOf("input"));
        await File.WriteAllLinesAsync(harness.PathOf("input/orders.jsonl"),
            Enumerable.Range(0, records).Select(i => $$"""{"id":{{i}},"city":"city-{{i % 17}}","amount":{{i % 750}}.5}"""));

        var result = await harness.RunAsync($$"""
            {
              "id": "micro-batches",
              "tasks": [
                { "id": "produce", "activity": "kafka.produce",
                  "with": { "topic": "{{topic}}", "path": "input/orders.jsonl", "key": "${city}", "headers": { "source": "test" } } },
                { "id": "first", "activity": "kafka.consume", "dependsOn": ["produce"],
                  "with": { "topic": "{{topic}}", "group": "{{group}}", "maxMessages": 60000, "path": "batches/first.parquet" } },
                { "id": "second", "activity": "kafka.consume", "dependsOn": ["first"],
                  "with": { "topic": "{{topic}}", "group": "{{group}}", "maxMessages": 100000, "path": "batches/second.jsonl" } }
              ]
            }
            """);

        var produced = WorkflowHarness.Outputs(result, "produce");
        Assert.Equal(records, produced.GetProperty("count").GetInt64());
        Assert.Equal(60_000, WorkflowHarness.Outputs(result, "first").GetProperty("count").GetInt64());
        Assert.Equal(40_000, WorkflowHarness.Outputs(result, "second").GetProperty("count").GetInt64());

        var first = await ReadAllAsync(harness.PathOf("batches/first.parquet"));
        var second = await ReadAllAsync(harness.PathOf("batches/second.jsonl"));
        var ids = first.Select(r => (long)r["id"]!).Concat(second.Select(r => (long)r["value"]!["id"]!)).Order().ToList();
        Assert.Equal(Enumerable.Range(0, records).Select(i => (long)i), ids);
        var positions = first.Concat(second).Select(r => ((string)r["topic"]!, (long)r["partition"]!, (long)r["offset"]!)).ToHashSet();
        Assert.Equal(records, positions.Count);
        Assert.All(first, r => Assert.Equal((string)r["city"]!, (string)r["key"]!));

        var committed = await CommittedAsync(harness, topic, group);
        foreach (var partition in produced.GetProperty("partitions").EnumerateArray())
        {
            var key = (topic, partition.GetProperty("partition").GetInt32());
            Assert.Equal(partition.GetProperty("lastOffset").GetInt64() + 1, committed[key]);
        }
    }

    [Theory]
    [InlineData(StreamBackend.Local)]
    [InlineData(StreamBackend.Kafka)]
    public async Task FailedConsumeAttempt_ReReadsTheSameRecordsOnRetry_BecauseItCommittedNothing(StreamBackend backend)
    {
        var topic = Unique("events");
        var group = Unique("retry");
        await using var harness = kafka.Harness(backend, topic);

        // Attempt 1 reads the batch, then cannot write it: "blocker" is a file, so blocker/ cannot be a folder. It writes
        // json, which is read in full before the file is made (a jsonl batch makes its file first, and fails before it
        // reads: FailedConsumeAttempt_LeavesTheGroupFreeForItsRetry_WhenItFailsBeforeReading).
        await File.WriteAllTextAsync(harness.PathOf("blocker"), "");
        var records = string.Join(",", Enumerable.Range(0, 500).Select(i => $$"""{"n":{{i}}}"""));
        var result = await harness.RunAsync($$"""
            {
              "id": "retry-consume",
              "tasks": [
                { "id": "produce", "activity": "kafka.produce", "with": { "topic": "{{topic}}", "records": [{{records}}] } },
                { "id": "consume", "activity": "kafka.consume", "dependsOn": ["produce"], "retries": 1, "retryDelay": "PT0S",
                  "with": { "topic": "{{topic}}", "group": "{{group}}", "path": "{% if run.attempt == 1 %}blocker/batch.json{% else %}batch.jsonl{% endif %}" } }
              ]
            }
            """);

        var attempts = result.Attempts.Where(a => a.TaskId == "consume").OrderBy(a => a.Number).ToList();
        Assert.Equal([AttemptOutcome.Failed, AttemptOutcome.Succeeded], attempts.Select(a => a.Outcome!.Value));
        var outputs = WorkflowHarness.Outputs(result, "consume");
        Assert.Equal(500, outputs.GetProperty("count").GetInt64());
        Assert.All(outputs.GetProperty("partitions").EnumerateArray(), p => Assert.Equal(0, p.GetProperty("firstOffset").GetInt64()));
        var values = (await ReadAllAsync(harness.PathOf("batch.jsonl"))).Select(r => (int)r["value"]!["n"]!).Order();
        Assert.Equal(Enumerable.Range(0, 500), values);
    }

    [Fact]
    public async Task FailedConsumeAttempt_LeavesTheGroupFreeForItsRetry_WhenItFailsBeforeReading()
    {
        // A cluster of its own: it delays its answers.
        using var cluster = KafkaMockCluster.Start();
        var topic = cluster.CreateTopic(Unique("events"), 3);
        var group = Unique("early");
        cluster.SetGroupCoordinator(group, 3);
        cluster.StartRequestTracking();
        await using var harness = new WorkflowHarness(new Dictionary<string, string?> { ["Orchestrator:Connections:events:uri"] = $"kafka://{cluster.BootstrapServers}" });

        // Attempt 1 makes its jsonl file before it reads, and cannot: "blocker" is a file, so blocker/ cannot be a folder.
        // While it runs, the group's coordinator answers late, and the attempt fails only once a join of the group has
        // reached the coordinator (or after 5 s if none comes): a member that joined then is still waiting for its epoch
        // when it is closed. The retry must get every partition at once, not after such a member expires (the group's
        // session timeout, 45 s, is longer than the retry's 30 s).
        await File.WriteAllTextAsync(harness.PathOf("blocker"), "");
        var records = string.Join(",", Enumerable.Range(0, 500).Select(i => $$"""{"n":{{i}}}"""));
        var result = await harness.RunAsync($$"""
            {
              "id": "retry-early-failure",
              "tasks": [
                { "id": "produce", "activity": "kafka.produce", "with": { "topic": "{{topic}}", "records": [{{records}}] } },
                { "id": "consume", "activity": "kafka.consume", "dependsOn": ["produce"], "retries": 1, "retryDelay": "PT0S",
                  "with": { "topic": "{{topic}}", "group": "{{group}}", "maxDuration": "PT30S",
                            "path": "{% if run.attempt == 1 %}blocker/{% endif %}batch.jsonl" } }
              ]
            }
            """, new SlowFirstAttempt(cluster, "consume"));

        var attempts = result.Attempts.Where(a => a.TaskId == "consume").OrderBy(a => a.Number).ToList();
        Assert.Equal([AttemptOutcome.Failed, AttemptOutcome.Succeeded], attempts.Select(a => a.Outcome!.Value));
        Assert.Contains("blocker", attempts[0].Error);
        var outputs = WorkflowHarness.Outputs(result, "consume");
        Assert.Equal(500, outputs.GetProperty("count").GetInt64());
        var values = (await ReadAllAsync(harness.PathOf("batch.jsonl"))).Select(r => (int)r["value"]!["n"]!).Order();
        Assert.Equal(Enumerable.Range(0, 500), values);
    }

    /// <summary>
    /// While the first attempt of <paramref name="taskId"/> runs, broker 3 answers 2 s late, and the attempt's "Reading"
    /// line waits until a group join reached a broker (5 s at most).
    /// </summary>
    private sealed class SlowFirstAttempt(KafkaMockCluster cluster, string taskId) : IRunObserver
    {
        public void OnEvent(RunEvent runEvent)
        {
            switch (runEvent)
            {
                case AttemptStarted { Attempt: 1 } started when started.TaskId == taskId:
                    cluster.SetBrokerDelay(3, TimeSpan.FromSeconds(2));
                    break;
                case TaskLogWritten { Line: { Attempt: 1 } line } when line.TaskId == taskId && line.Message.StartsWith("Reading ", StringComparison.Ordinal):
                    SpinWait.SpinUntil(() => cluster.CountRequests(KafkaMockCluster.ApiKeys.ConsumerGroupHeartbeat) > 0, TimeSpan.FromSeconds(5));
                    break;
                case AttemptEnded { Attempt: 1 } ended when ended.TaskId == taskId:
                    cluster.SetBrokerDelay(3, TimeSpan.Zero);
                    break;
            }
        }
    }

    [Theory]
    [InlineData(StreamBackend.Local)]
    [InlineData(StreamBackend.Kafka)]
    public async Task MalformedMessage_LandsInTheDeadLetterFileWithItsOffsetAndError_AndIsCommitted(StreamBackend backend)
    {
        var topic = Unique("raw");
        var group = Unique("dlq");
        await using var harness = kafka.Harness(backend, topic, partitions: 1);

        var result = await harness.RunAsync($$"""
            {
              "id": "dead-letters",
              "tasks": [
                { "id": "produce", "activity": "kafka.produce",
                  "with": { "topic": "{{topic}}", "records": [{ "id": 1 }, "{\"id\": 2, oops", { "id": 3 }] } },
                { "id": "consume", "activity": "kafka.consume", "dependsOn": ["produce"],
                  "with": { "topic": "{{topic}}", "group": "{{group}}", "path": "raw/batch.jsonl" } }
              ]
            }
            """);

        var outputs = WorkflowHarness.Outputs(result, "consume");
        Assert.Equal(2, outputs.GetProperty("count").GetInt64());
        Assert.Equal(1, outputs.GetProperty("deadLetters").GetInt64());
        Assert.Equal("raw/batch.dead-letter.jsonl", outputs.GetProperty("deadLetterPath").GetString());
        var dead = Assert.Single(await ReadAllAsync(harness.PathOf("raw/batch.dead-letter.jsonl")));
        Assert.Equal(1, (long)dead["offset"]!);
        Assert.Contains("not JSON", (string)dead["error"]!);
        Assert.Equal("{\"id\": 2, oops", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String((string)dead["valueBase64"]!)));
        Assert.Equal([1L, 3L], (await ReadAllAsync(harness.PathOf("raw/batch.jsonl"))).Select(r => (long)r["value"]!["id"]!));
        Assert.Equal(3, (await CommittedAsync(harness, topic, group))[(topic, 0)]);
    }

    [Theory]
    [InlineData(StreamBackend.Local)]
    [InlineData(StreamBackend.Kafka)]
    public async Task MalformedMessage_GoesToTheDeadLetterTopicWithErrorHeaders_WhenOneIsNamed(StreamBackend backend)
    {
        var topic = Unique("raw");
        var deadTopic = Unique("raw-dlq");
        await using var harness = kafka.Harness(backend, topic, partitions: 1);
        if (backend == StreamBackend.Kafka)
        {
            kafka.Cluster.CreateTopic(deadTopic, 1);
        }

        var result = await harness.RunAsync($$"""
            {
              "id": "dead-letter-topic",
              "tasks": [
                { "id": "produce", "activity": "kafka.produce", "with": { "topic": "{{topic}}", "records": ["<xml/>", { "id": 2 }] } },
                { "id": "consume", "activity": "kafka.consume", "dependsOn": ["produce"],
                  "with": { "topic": "{{topic}}", "group": "g", "path": "batch.jsonl", "deadLetterTopic": "{{deadTopic}}" } }
              ]
            }
            """);

        Assert.Equal(1, WorkflowHarness.Outputs(result, "consume").GetProperty("deadLetters").GetInt64());
        using var consumer = harness.Stream().CreateConsumer(new ConsumerSettings { Group = "reader", Topics = [deadTopic], Start = StartPosition.Earliest });
        var dead = Assert.Single(await consumer.ReadAsync(new BatchLimits { MaxMessages = 10, MaxWait = TimeSpan.FromSeconds(20) }, CancellationToken.None));
        Assert.Equal("<xml/>", System.Text.Encoding.UTF8.GetString(dead.Value));
        Assert.Contains("not JSON", dead.Headers["x-error"]);
        Assert.Equal($"{topic}/0@0", dead.Headers["x-source"]);
    }

    [Theory]
    [InlineData(StreamBackend.Local)]
    [InlineData(StreamBackend.Kafka)]
    public async Task Produce_SendsCsvRowsAsJsonWithKeys_AndConsumeFlattensThemIntoParquetColumns(StreamBackend backend)
    {
        var topic = Unique("population");
        await using var harness = kafka.Harness(backend, topic, partitions: 2);
        await File.WriteAllTextAsync(harness.PathOf("population.csv"), "neighbourhood,age_group,people\nBelleville,18-34,1200\nBastille,35-49,800\n");

        var result = await harness.RunAsync($$"""
            {
              "id": "csv-to-lake",
              "tasks": [
                { "id": "produce", "activity": "kafka.produce", "with": { "topic": "{{topic}}", "path": "population.csv", "key": "${neighbourhood}/${age_group}" } },
                { "id": "consume", "activity": "kafka.consume", "dependsOn": ["produce"],
                  "with": { "topic": "{{topic}}", "group": "g", "path": "lake/dt=2026-11-23/part.parquet" } }
              ]
            }
            """);

        Assert.Equal(2, WorkflowHarness.Outputs(result, "produce").GetProperty("count").GetInt64());
        var rows = (await ReadAllAsync(harness.PathOf("lake/dt=2026-11-23/part.parquet"))).OrderBy(r => (string)r["key"]!).ToList();
        Assert.Equal(["Bastille/35-49", "Belleville/18-34"], rows.Select(r => (string)r["key"]!));
        Assert.Equal([800L, 1200L], rows.Select(r => (long)r["people"]!));
        Assert.Equal(["topic", "partition", "offset", "timestamp", "key", "neighbourhood", "age_group", "people"], rows[0].Select(p => p.Key));
    }
}
