using System.Text;
using Orchestrator.Core.Json;

namespace Orchestrator.Core.Tests.Json;

public sealed class LocatedJsonParserTests
{
    [Fact]
    public void Parse_LocatesValuesAndPropertyNames_InCharacters()
    {
        var document = LocatedJsonParser.Parse("{\n  \"name\": \"é\",\n  \"tasks\": [ { \"id\": \"a b\" } ]\n}");

        var root = document.Root!;
        Assert.Equal(new TextPosition(1, 1), root.Position);
        Assert.Equal(new TextPosition(2, 3), root.Property("name")!.NamePosition);
        Assert.Equal(new TextPosition(3, 22), root["tasks"]!.Items[0]["id"]!.Position);
        Assert.Equal("$.tasks[0].id", root["tasks"]!.Items[0]["id"]!.Path);
    }

    [Fact]
    public void Parse_CountsColumnsInCharacters_NotBytes_AndIgnoresABom()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("{ \"ville\": \"Zürich\", \"x\": 1 }")).ToArray();
        var document = LocatedJsonParser.Parse(bytes);

        Assert.Equal(new TextPosition(1, 27), document.Root!["x"]!.Position);
    }

    [Fact]
    public void Parse_ReportsTheSyntaxErrorPosition()
    {
        var document = LocatedJsonParser.Parse("{\n  \"a\": 1\n  \"b\": 2\n}");

        Assert.Null(document.Root);
        Assert.Equal(new TextPosition(3, 3), document.SyntaxError!.Position);
    }

    [Fact]
    public void Parse_RecordsDuplicateProperties_AndKeepsTheFirst()
    {
        var document = LocatedJsonParser.Parse("""{ "a": 1, "a": 2 }""");

        Assert.Equal("1", document.Root!["a"]!.RawNumber);
        var duplicate = Assert.Single(document.Duplicates);
        Assert.Equal(new TextPosition(1, 11), duplicate.Position);
    }

    [Theory]
    [InlineData("odd key", "$['odd key']")]
    [InlineData("plain_name", "$.plain_name")]
    [InlineData("9lives", "$['9lives']")]
    public void JsonPath_QuotesNamesThatAreNotIdentifiers(string name, string expected)
        => Assert.Equal(expected, JsonPath.Property("$", name));
}
