using System.Text;
using System.Text.Json.Nodes;
using Orchestrator.Activities.Kafka;

namespace Orchestrator.Activities.Tests.Kafka;

/// <summary>A pattern that is one placeholder renders what the same placeholder renders inside a longer pattern.</summary>
public sealed class RecordPatternTests
{
    [Theory]
    [InlineData("""{"city":"Paris"}""")]
    [InlineData("""{"city":12.50}""")]
    [InlineData("""{"city":{"name":"Nice","zip":[6000]}}""")]
    [InlineData("""{"city":null}""")]
    [InlineData("""{"id":1}""")]
    [InlineData("""[1,2]""")]
    [InlineData("\"text\"")]
    public void OnePlaceholder_RendersAsInsideALongerPattern(string json)
    {
        var record = JsonNode.Parse(json);
        var framed = RecordPattern.Parse("<${city}>").Render(record)!;
        Assert.Equal(framed[1..^1], RecordPattern.Parse("${city}").Render(record));

        // The same from the line's bytes, as kafka.produce reads jsonl files.
        var fields = new LineFields(RecordPattern.Parse("${city}").Fields);
        var bytes = Encoding.UTF8.GetBytes(json);
        Assert.True(fields.TryReadPlain(bytes, out _, out _));
        Assert.Equal(framed[1..^1], RecordPattern.Parse("${city}").Render(fields));
        Assert.Equal(framed, RecordPattern.Parse("<${city}>").Render(fields));
    }

    [Fact]
    public void OnePlaceholder_IsEmpty_NotNull_WhenTheFieldIsMissing()
    {
        Assert.Equal("", RecordPattern.Parse("${city}").Render(JsonNode.Parse("""{"id":1}""")));
        Assert.Null(RecordPattern.Parse("city").Render(JsonNode.Parse("""{"id":1}""")));
    }
}
