using System.Text;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Activities.Streams;
using Orchestrator.Activities.Streams.Local;
using Orchestrator.Activities.Tests.Support;
using static Orchestrator.Activities.Tests.Streams.Local.LocalLogHelpers;

namespace Orchestrator.Activities.Tests.Streams.Local;

public sealed class LocalProduceTests : IDisposable
{
    private readonly TempFolder folder = new();
    private readonly FakeTimeProvider clock = new(Start);
    private readonly LocalEventStream stream;

    public LocalProduceTests() => stream = new LocalEventStream(folder.Path, clock);

    public void Dispose() => folder.Dispose();

    public static TheoryData<string, byte[]> Values => new()
    {
        { "empty", [] },
        { "json object", Encoding.UTF8.GetBytes("{\"id\": 7, \"name\":\"Zoë\",\"tags\":[1,2.50,true,null]}") },
        { "json string", Encoding.UTF8.GetBytes("\"quoted\"") },
        { "json number", Encoding.UTF8.GetBytes("1.50") },
        { "pretty json", Encoding.UTF8.GetBytes("{\n  \"a\": 1\n}\n") },
        { "json 64 deep", Encoding.UTF8.GetBytes(new string('[', 64) + new string(']', 64)) },
        { "json 65 deep", Encoding.UTF8.GetBytes(new string('[', 65) + new string(']', 65)) },
        { "large json", Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Range(0, 40_000)) + "]") },
        { "json with surrounding space", Encoding.UTF8.GetBytes(" {\"a\":1}") },
        { "text", Encoding.UTF8.GetBytes("line one\r\nline \"two\"\t\\ 😀 naïve </script>") },
        { "text with BOM and NUL", [0xEF, 0xBB, 0xBF, (byte)'a', 0, (byte)'b'] },
        { "binary", [0x00, 0xFF, 0xFE, 0x80, 0x0A, 0xC3, 0x28, 0x7B] },
        { "lone surrogate bytes", [0xED, 0xA0, 0x80] },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public async Task ProduceAsync_ReadsBackTheExactBytes_WhenValueIs(string kind, byte[] value)
    {
        await ProduceAsync(stream, "values", new OutgoingMessage("k", value));

        var read = Assert.Single(await ReadAllAsync(stream, "values"));
        Assert.True(value.AsSpan().SequenceEqual(read.Value), $"{kind}: {Convert.ToHexString(read.Value)}");
    }

    [Fact]
    public async Task ProduceAsync_ReadsBackKeysHeadersAndTimestamps_WhenGiven()
    {
        var timestamp = new DateTimeOffset(2025, 12, 31, 23, 59, 58, 123, TimeSpan.FromHours(2));
        await ProduceAsync(stream, "orders",
            new OutgoingMessage(null, [1], null, timestamp),
            new OutgoingMessage("", [2], new Dictionary<string, string>()),
            new OutgoingMessage("clé 🔑", [3], new Dictionary<string, string> { ["trace-id"] = "abc", ["Ünicode"] = "wert \"x\"", ["empty"] = "" }));

        var read = await ReadAllAsync(stream, "orders");

        Assert.Equal([0L, 1, 2], read.Select(m => m.Offset));
        Assert.All(read, m => Assert.Equal(("orders", 0), (m.Topic, m.Partition)));
        Assert.Equal([null, "", "clé 🔑"], read.Select(m => m.Key));
        Assert.Equal(timestamp, read[0].Timestamp);
        Assert.Empty(read[0].Headers);
        Assert.Empty(read[1].Headers);
        Assert.Equal(new Dictionary<string, string> { ["trace-id"] = "abc", ["Ünicode"] = "wert \"x\"", ["empty"] = "" }, read[2].Headers);
    }

    [Fact]
    public async Task ProduceAsync_StampsTheInjectedClockInMilliseconds_WhenMessageHasNoTimestamp()
    {
        clock.Advance(TimeSpan.FromTicks(1_234_567));
        var withSubMilliseconds = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(9_999);
        await ProduceAsync(stream, "stamps", Text("now"), new OutgoingMessage(null, [], null, withSubMilliseconds));

        var read = await ReadAllAsync(stream, "stamps");

        Assert.Equal(Start.AddMilliseconds(123), read[0].Timestamp);
        Assert.Equal(withSubMilliseconds.AddTicks(-9_999), read[1].Timestamp);
    }

    [Fact]
    public async Task ProduceAsync_ReturnsDenseOffsetRanges_WhenBatchesFollowEachOther()
    {
        using var producer = stream.CreateProducer(new ProducerSettings());

        var first = await producer.ProduceAsync("events", Texts("a", 3), CancellationToken.None);
        var second = await producer.ProduceAsync("events", Texts("b", 1), CancellationToken.None);
        var third = await producer.ProduceAsync("events", Texts("c", 5), CancellationToken.None);

        Assert.Equal(new PartitionRange("events", 0, 0, 2), Assert.Single(first));
        Assert.Equal(new PartitionRange("events", 0, 3, 3), Assert.Single(second));
        Assert.Equal(new PartitionRange("events", 0, 4, 8), Assert.Single(third));
        Assert.Equal(Enumerable.Range(0, 9).Select(i => (long)i), (await ReadAllAsync(stream, "events")).Select(m => m.Offset));
    }

    [Fact]
    public async Task ProduceAsync_RejectsTheBatchBeforeWriting_WhenAHeaderHasNoValue()
    {
        using var producer = stream.CreateProducer(new ProducerSettings());
        var headers = new Dictionary<string, string> { ["h"] = null! };

        await Assert.ThrowsAsync<ArgumentException>(() => producer.ProduceAsync("strict", [Text("ok"), new OutgoingMessage(null, [], headers)], CancellationToken.None));

        Assert.Empty(await ReadAllAsync(stream, "strict"));
    }

    [Fact]
    public async Task ProduceAsync_WritesNothing_WhenBatchIsEmpty()
    {
        using var producer = stream.CreateProducer(new ProducerSettings());

        Assert.Empty(await producer.ProduceAsync("quiet", [], CancellationToken.None));
        Assert.False(File.Exists(Path.Combine(folder.Path, "quiet", "0.jsonl")));
    }

    [Fact]
    public async Task ProduceAsync_WritesOneReadableLinePerRecord_WhenValuesAreJsonTextAndBytes()
    {
        await ProduceAsync(stream, "readable",
            new OutgoingMessage("k1", Encoding.UTF8.GetBytes("{\"amount\":9.5,\"city\":\"Zürich\"}"), new Dictionary<string, string> { ["h"] = "v" }),
            Text("plain text"),
            new OutgoingMessage(null, [0xFF, 0x00]));

        var lines = await File.ReadAllLinesAsync(Path.Combine(folder.Path, "readable", "0.jsonl"));

        Assert.Equal(
            [
                "{\"offset\":0,\"timestamp\":\"2026-03-01T08:00:00Z\",\"key\":\"k1\",\"headers\":{\"h\":\"v\"},\"valueJson\":{\"amount\":9.5,\"city\":\"Zürich\"}}",
                "{\"offset\":1,\"timestamp\":\"2026-03-01T08:00:00Z\",\"key\":null,\"headers\":{},\"value\":\"plain text\"}",
                "{\"offset\":2,\"timestamp\":\"2026-03-01T08:00:00Z\",\"key\":null,\"headers\":{},\"valueBase64\":\"/wA=\"}",
            ],
            lines);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("..\\up")]
    [InlineData("with space")]
    [InlineData("ünïcode")]
    [InlineData("colon:name")]
    public async Task ProduceAsync_ThrowsStreamException_WhenTopicNameBreaksKafkasRules(string topic)
    {
        using var producer = stream.CreateProducer(new ProducerSettings());

        var error = await Assert.ThrowsAsync<StreamException>(() => producer.ProduceAsync(topic, [Text("x")], CancellationToken.None));

        Assert.Contains("topic name", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder.Path));
    }

    [Fact]
    public async Task ProduceAsync_ThrowsStreamException_WhenTopicNameIsLongerThan249Characters()
    {
        using var producer = stream.CreateProducer(new ProducerSettings());

        var error = await Assert.ThrowsAsync<StreamException>(() => producer.ProduceAsync(new string('t', 250), [Text("x")], CancellationToken.None));

        Assert.Contains("249", error.Message);
    }

    [Fact]
    public async Task ProduceAsync_CreatesTheTopic_WhenNameUsesEveryAllowedCharacterAndTheFullLength()
    {
        var topic = ("Orders_2026.v1-" + new string('x', 249))[..249];

        await ProduceAsync(stream, topic, Text("x"));

        Assert.Single(await ReadAllAsync(stream, topic));
    }

    [Fact]
    public void CreateConsumer_ThrowsStreamException_WhenTopicNameBreaksKafkasRules()
    {
        var error = Assert.Throws<StreamException>(() => stream.CreateConsumer(Group("g", "bad/topic")));

        Assert.Contains("'/'", error.Message);
    }
}
