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
/// kafka.produce reads jsonl and text files as bytes and kafka.consume writes jsonl from the message bytes: the records
/// sent and the lines written are exactly those of parsing every record (the way both did before), whatever the lines hold.
/// </summary>
public sealed class RecordBytesTests
{
    private static readonly BatchLimits Everything = new() { MaxMessages = 1000, MaxWait = TimeSpan.FromSeconds(20) };

    /// <summary>Lines sent as they are, and lines that System.Text.Json writes otherwise (spaces, escapes, non-ASCII...).</summary>
    internal static readonly string[] JsonLines =
    [
        """{"id":1,"city":"Paris","amount":10.50,"tags":["a","b"],"nested":{"x":1}}""",
        """{"id": 2, "city": "Lyon"}""",
        """{"id":3,"city":"Montr\u00e9al"}""",
        """{"id":4,"city":"Zürich"}""",
        """{"id":5,"city":"a<b&c+d'e"}""",
        "",
        "\"just a string\"",
        "\"an escaped \\\"string\\\"\"",
        "42",
        "1e5",
        "null",
        """[1,2,{"a":"b"}]""",
        "   ",
        """{"id":6,"city":{"name":"Nice","zip":[6000]}}""",
        """{"id":7,"city":null}""",
        """{"id":8}""",
        """{"id":9,"city":true,"n":-0.0}""",
        """{"id":10,"city":"x y z","note":"spaces inside strings"}""",
        """ {"id":11,"city":"padded"} """,
    ];

    private static (string? Key, string Value, string Headers) Expected(JsonNode? record, RecordPattern key, RecordPattern header)
    {
        // What kafka.produce made of a parsed record: strings as their text, anything else as compact JSON.
        var value = record is JsonValue text && text.GetValueKind() == JsonValueKind.String ? text.GetValue<string>() : record?.ToJsonString() ?? "null";
        return (key.Render(record), value, $"src={header.Render(record) ?? "${id}"};fixed=yes");
    }

    private static (string? Key, string Value, string Headers) Sent(IncomingMessage message)
        => (message.Key, Encoding.UTF8.GetString(message.Value), string.Join(";", message.Headers.OrderByDescending(h => h.Key).Select(h => $"{h.Key}={h.Value}")));

    private static async Task<IReadOnlyList<IncomingMessage>> ReadTopicAsync(WorkflowHarness harness, string topic)
    {
        using var consumer = harness.Stream().CreateConsumer(new ConsumerSettings { Group = "check", Topics = [topic], Start = StartPosition.Earliest });
        return await consumer.ReadAsync(Everything, CancellationToken.None);
    }

    [Theory]
    [InlineData("city")]
    [InlineData("${city}-${id}")]
    [InlineData("${city}")]
    public async Task ProduceFromJsonl_SendsTheRecordsOfTheParsedFile_WithABomCrLfAndBlankLines(string key)
    {
        await using var harness = new WorkflowHarness();
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(string.Join("\r\n", JsonLines) + "\n")).ToArray();
        await File.WriteAllBytesAsync(harness.PathOf("input.jsonl"), bytes);

        var result = await harness.RunAsync($$"""
            {
              "id": "jsonl-bytes",
              "tasks": [ { "id": "produce", "activity": "kafka.produce",
                           "with": { "topic": "lines", "path": "input.jsonl", "key": "{{key}}", "headers": { "src": "${id}", "fixed": "yes" } } } ]
            }
            """);

        var expected = new List<(string?, string, string)>();
        await foreach (var record in RecordReader.ReadAsync(harness.PathOf("input.jsonl"), RecordFormat.Jsonl, CancellationToken.None))
        {
            expected.Add(Expected(record, RecordPattern.Parse(key), RecordPattern.Parse("${id}")));
        }

        Assert.Equal(17, expected.Count);
        Assert.Equal(expected.Count, WorkflowHarness.Outputs(result, "produce").GetProperty("count").GetInt64());
        Assert.Equal(expected, (await ReadTopicAsync(harness, "lines")).Select(Sent));
    }

    [Fact]
    public async Task ProduceFromText_SendsEveryLineAsItsText_IncludingBlankAndBrokenUtf8Lines()
    {
        await using var harness = new WorkflowHarness();
        byte[] bytes = [.. "first line\r\n\r\nthird\rfourth \"quoted\" é\n"u8, 0x66, 0xFF, 0x67, .. "\nlast"u8];
        await File.WriteAllBytesAsync(harness.PathOf("input.txt"), bytes);

        var result = await harness.RunAsync("""
            { "id": "text-bytes", "tasks": [ { "id": "produce", "activity": "kafka.produce", "with": { "topic": "text", "path": "input.txt" } } ] }
            """);

        var expected = new List<string>();
        await foreach (var record in RecordReader.ReadAsync(harness.PathOf("input.txt"), RecordFormat.Text, CancellationToken.None))
        {
            expected.Add(record!.GetValue<string>());
        }

        Assert.Equal(["first line", "", "third", "fourth \"quoted\" é", "f\uFFFDg", "last"], expected);
        Assert.Equal(6, WorkflowHarness.Outputs(result, "produce").GetProperty("count").GetInt64());
        Assert.Equal(expected, (await ReadTopicAsync(harness, "text")).Select(m => Encoding.UTF8.GetString(m.Value)));
    }

    [Fact]
    public async Task ProduceFromJsonl_FailsNamingTheLine_WhenALineIsNotJson()
    {
        await using var harness = new WorkflowHarness();
        await File.WriteAllTextAsync(harness.PathOf("broken.jsonl"), "{\"id\":1}\n\n{\"id\":2,oops}\n");

        var result = await harness.RunAsync("""
            { "id": "broken", "tasks": [ { "id": "produce", "activity": "kafka.produce", "with": { "topic": "t", "path": "broken.jsonl" } } ] }
            """);

        var attempt = Assert.Single(result.Attempts);
        Assert.Equal(AttemptOutcome.Failed, attempt.Outcome);
        Assert.Contains("broken.jsonl:3: not a JSON value", attempt.Error);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("string")]
    public async Task ConsumeToJsonl_WritesTheLinesOfTheParsedRecords_ForEveryKindOfValue(string valueFormat)
    {
        await using var harness = new WorkflowHarness();
        string[] values = [.. JsonLines.Where(l => l.Trim().Length > 0), "{\"not\": json", "\t{\"tabbed\":true}\t"];
        var messages = values.Select((v, i) => new OutgoingMessage(i % 3 == 0 ? null : $"k{i}", Encoding.UTF8.GetBytes(v),
            i % 2 == 0 ? new Dictionary<string, string> { ["h"] = $"<{i}>", ["é"] = "x" } : null)).ToList();
        messages.Add(new OutgoingMessage("bad", [0x7B, 0xFF, 0x7D]));
        using (var producer = harness.Stream().CreateProducer(new ProducerSettings()))
        {
            await producer.ProduceAsync("values", messages, CancellationToken.None);
        }

        var result = await harness.RunAsync($$"""
            {
              "id": "consume-bytes",
              "tasks": [ { "id": "consume", "activity": "kafka.consume",
                           "with": { "topic": "values", "group": "lake", "path": "batch.jsonl", "valueFormat": "{{valueFormat}}" } } ]
            }
            """);

        var expected = new List<string>();
        var dead = 0;
        foreach (var message in await ReadTopicAsync(harness, "values"))
        {
            // The row kafka.consume built from a parsed value, written compact.
            JsonNode? value;
            try
            {
                var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(message.Value);
                value = valueFormat == "json" ? JsonNode.Parse(text) : JsonValue.Create(text);
            }
            catch (Exception e) when (e is JsonException or DecoderFallbackException)
            {
                dead++;
                continue;
            }

            var row = new JsonObject
            {
                ["topic"] = message.Topic,
                ["partition"] = message.Partition,
                ["offset"] = message.Offset,
                ["timestamp"] = message.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
                ["key"] = message.Key,
            };
            if (message.Headers.Count > 0)
            {
                row["headers"] = new JsonObject(message.Headers.Select(h => KeyValuePair.Create(h.Key, (JsonNode?)h.Value)));
            }

            row["value"] = value;
            expected.Add(row.ToJsonString());
        }

        var outputs = WorkflowHarness.Outputs(result, "consume");
        Assert.Equal(valueFormat == "json" ? 2 : 1, dead);
        Assert.Equal(dead, outputs.GetProperty("deadLetters").GetInt64());
        Assert.Equal(expected.Count, outputs.GetProperty("count").GetInt64());
        Assert.Equal(expected, await File.ReadAllLinesAsync(harness.PathOf("batch.jsonl")));
    }
}
