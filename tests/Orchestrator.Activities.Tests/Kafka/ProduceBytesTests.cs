using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orchestrator.Activities.DataFiles;
using Orchestrator.Activities.Kafka;
using Orchestrator.Activities.Streams;
using Orchestrator.Activities.Tests.Support;
using Orchestrator.Core.Model;

namespace Orchestrator.Activities.Tests.Kafka;

/// <summary>
/// kafka.produce hands a jsonl or text file's records to a Kafka producer as bytes of the file's buffer when no header,
/// rate or loop asks for more: the records sent are exactly those of parsing the file, as on the local log.
/// </summary>
[Collection(KafkaCollection.Name)]
public sealed class ProduceBytesTests(KafkaClusterFixture kafka)
{
    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    private static async Task<IReadOnlyList<IncomingMessage>> ReadTopicAsync(WorkflowHarness harness, string topic, int count)
    {
        using var consumer = harness.Stream().CreateConsumer(new ConsumerSettings { Group = Unique("check"), Topics = [topic], Start = StartPosition.Earliest });
        var read = await consumer.ReadAsync(new BatchLimits { MaxMessages = count + 1, MaxWait = TimeSpan.FromSeconds(20), StopAtEnd = true }, CancellationToken.None);
        return read.OrderBy(m => m.Partition).ThenBy(m => m.Offset).ToList();
    }

    [Theory]
    [InlineData(StreamBackend.Kafka, null)]
    [InlineData(StreamBackend.Kafka, "city")]
    [InlineData(StreamBackend.Kafka, "${city}")]
    [InlineData(StreamBackend.Kafka, "${city}-${id}")]
    [InlineData(StreamBackend.Local, "${city}")]
    public async Task ProduceFromJsonl_WithoutHeaders_SendsTheRecordsOfTheParsedFile(StreamBackend backend, string? key)
    {
        var topic = Unique("lines");
        await using var harness = kafka.Harness(backend, topic, partitions: 1);
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(string.Join("\r\n", RecordBytesTests.JsonLines) + "\n")).ToArray();
        await File.WriteAllBytesAsync(harness.PathOf("input.jsonl"), bytes);
        var keyInput = key is null ? "" : $", \"key\": \"{key}\"";

        var result = await harness.RunAsync($$"""
            { "id": "jsonl-bytes", "tasks": [ { "id": "produce", "activity": "kafka.produce", "with": { "topic": "{{topic}}", "path": "input.jsonl"{{keyInput}} } } ] }
            """);

        var expected = new List<(string?, string)>();
        await foreach (var record in RecordReader.ReadAsync(harness.PathOf("input.jsonl"), RecordFormat.Jsonl, CancellationToken.None))
        {
            var value = record is JsonValue text && text.GetValueKind() == JsonValueKind.String ? text.GetValue<string>() : record?.ToJsonString() ?? "null";
            expected.Add((key is null ? null : RecordPattern.Parse(key).Render(record), value));
        }

        Assert.Equal(17, expected.Count);
        var outputs = WorkflowHarness.Outputs(result, "produce");
        Assert.Equal(expected.Count, outputs.GetProperty("count").GetInt64());
        Assert.Equal(expected.Sum(e => (long)Encoding.UTF8.GetByteCount(e.Item2)), outputs.GetProperty("bytes").GetInt64());
        Assert.Equal(expected, (await ReadTopicAsync(harness, topic, expected.Count)).Select(m => (m.Key, Encoding.UTF8.GetString(m.Value))));
    }

    [Fact]
    public async Task ProduceFromText_SendsEveryLineAsItsText_OnKafka()
    {
        var topic = Unique("text");
        await using var harness = kafka.Harness(StreamBackend.Kafka, topic, partitions: 1);
        byte[] bytes = [.. "first line\r\n\r\nthird\rfourth \"quoted\" é\n"u8, 0x66, 0xFF, 0x67, .. "\nlast"u8];
        await File.WriteAllBytesAsync(harness.PathOf("input.txt"), bytes);

        var result = await harness.RunAsync($$"""
            { "id": "text-bytes", "tasks": [ { "id": "produce", "activity": "kafka.produce", "with": { "topic": "{{topic}}", "path": "input.txt", "key": "k-${x}" } } ] }
            """);

        Assert.Equal(6, WorkflowHarness.Outputs(result, "produce").GetProperty("count").GetInt64());
        var sent = await ReadTopicAsync(harness, topic, 6);
        Assert.Equal(["first line", "", "third", "fourth \"quoted\" é", "f\uFFFDg", "last"], sent.Select(m => Encoding.UTF8.GetString(m.Value)));
        Assert.All(sent, m => Assert.Equal("k-", m.Key)); // a text line has no fields
    }

    [Fact]
    public async Task ProduceFromJsonl_StopsAtTheLimit_AndFailsNamingTheLine_OnKafka()
    {
        var topic = Unique("limit");
        await using var harness = kafka.Harness(StreamBackend.Kafka, topic, partitions: 1);
        await File.WriteAllTextAsync(harness.PathOf("input.jsonl"), "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n{\"id\":4,oops}\n");

        var limited = await harness.RunAsync($$"""
            { "id": "limited", "tasks": [ { "id": "produce", "activity": "kafka.produce", "with": { "topic": "{{topic}}", "path": "input.jsonl", "limit": 2, "key": "id" } } ] }
            """);
        Assert.Equal(2, WorkflowHarness.Outputs(limited, "produce").GetProperty("count").GetInt64());
        Assert.Equal([("1", "{\"id\":1}"), ("2", "{\"id\":2}")], (await ReadTopicAsync(harness, topic, 2)).Select(m => (m.Key, Encoding.UTF8.GetString(m.Value))));

        var broken = await harness.RunAsync($$"""
            { "id": "broken", "tasks": [ { "id": "produce", "activity": "kafka.produce", "with": { "topic": "{{topic}}", "path": "input.jsonl" } } ] }
            """);
        var attempt = Assert.Single(broken.Attempts);
        Assert.Equal(AttemptOutcome.Failed, attempt.Outcome);
        Assert.Contains("input.jsonl:4: not a JSON value", attempt.Error);
    }
}
