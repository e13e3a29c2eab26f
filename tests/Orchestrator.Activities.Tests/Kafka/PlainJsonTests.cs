using System.Text;
using System.Text.Json.Nodes;
using Orchestrator.Activities.Kafka;

namespace Orchestrator.Activities.Tests.Kafka;

/// <summary>
/// kafka.consume copies a plain JSON value to its batch file as it is once <see cref="LineFields.IsOnePlainValue"/>
/// says it is one JSON value: that must never say yes where System.Text.Json's reader says no.
/// </summary>
public sealed class PlainJsonTests
{
    private static readonly string[] Tokens =
    [
        "{", "}", "[", "]", ",", ":", "\"a\"", "\"b c\"", "\"\"", "\"", "0", "1", "-0", "-", "01", "1.5", "1.", ".5", "-12.25e3",
        "1e5", "1E+2", "2e-", "3e", "true", "tru", "false", "fals", "null", "nul", "x", "+1", "/", "truex", "{}", "[]",
    ];

    [Fact]
    public void IsOnePlainValue_AgreesWithTheReader_OnRandomPlainLines()
    {
        var random = new Random(20261207);
        var checkedLines = 0;
        var accepted = 0;
        for (var n = 0; n < 300_000; n++)
        {
            var line = new StringBuilder();
            var length = random.Next(1, 12);
            for (var t = 0; t < length; t++)
            {
                line.Append(Tokens[random.Next(Tokens.Length)]);
            }

            var bytes = Encoding.UTF8.GetBytes(line.ToString());
            if (!LineFields.IsPlain(bytes))
            {
                continue;
            }

            checkedLines++;
            var expected = LineFields.IsOneValue(bytes);
            Assert.True(expected == LineFields.IsOnePlainValue(bytes), $"'{line}': the reader says {expected}");
            accepted += expected ? 1 : 0;
        }

        // The sample must hold both answers in numbers, or it checks little.
        Assert.InRange(checkedLines, 100_000, 300_000);
        Assert.InRange(accepted, 2_000, checkedLines - 2_000);
    }

    /// <summary>Tokens that make objects with the wanted fields (a, b), repeated, nested and of every kind.</summary>
    private static readonly string[] FieldTokens =
    [
        "{", "}", "[", "]", ",", ":", "\"a\":", "\"b\":", "\"c\":", "\"a\"", "\"x y\"", "\"\"", "0", "-1.5e3", "01", "true", "false", "null",
        "nul", "{}", "[]", "{\"a\":1}", "[1,{\"b\":2}]",
    ];

    [Fact]
    public void TryReadPlain_ReadsWhatTryReadReads_OnRandomPlainLines()
    {
        var random = new Random(20261208);
        var plain = new LineFields(["a", "b"]);
        var reader = new LineFields(["a", "b"]);
        var checkedLines = 0;
        var read = 0;
        var withField = 0;
        for (var n = 0; n < 300_000; n++)
        {
            var line = new StringBuilder(random.Next(3) == 0 ? "{" : "");
            var length = random.Next(1, 14);
            for (var t = 0; t < length; t++)
            {
                line.Append(FieldTokens[random.Next(FieldTokens.Length)]);
            }

            var bytes = Encoding.UTF8.GetBytes(line.ToString());
            if (!LineFields.IsPlain(bytes))
            {
                continue;
            }

            checkedLines++;
            var fast = plain.TryReadPlain(bytes, out var fastIsString, out var fastText);
            // A false answer only sends the line to TryRead; a true one must be TryRead's, field for field.
            Assert.True(!fast || LineFields.IsOneValue(bytes), $"'{line}' is no JSON value");
            if (!fast)
            {
                continue;
            }

            read++;
            Assert.True(reader.TryRead(bytes, out var isString, out var text), $"'{line}': TryRead refuses it");
            Assert.Equal(isString, fastIsString);
            Assert.Equal(Encoding.UTF8.GetString(bytes[text]), Encoding.UTF8.GetString(bytes[fastText]));
            Assert.Equal(reader.Get("a"), plain.Get("a"));
            Assert.Equal(reader.Get("b"), plain.Get("b"));
            withField += plain.Get("a") is not null || plain.Get("b") is not null ? 1 : 0;
        }

        // The sample must hold lines read with and without their fields, or it checks little.
        Assert.InRange(checkedLines, 100_000, 300_000);
        Assert.InRange(read, 2_000, checkedLines - 2_000);
        Assert.InRange(withField, 500, read);
    }

    [Theory]
    [InlineData("""{"a":"text","b":12.50,"c":0}""", "text", "12.50")]
    [InlineData("""{"c":[1,{"a":2}],"a":{"x":[1,2],"y":{}},"b":[]}""", """{"x":[1,2],"y":{}}""", "[]")]
    [InlineData("""{"a":null,"b":true}""", null, "true")]
    [InlineData("""{"a":"","b":false}""", "", "false")]
    [InlineData("""[{"a":1}]""", null, null)]
    public void TryReadPlain_TakesTopLevelFieldsAsTryReadDoes(string json, string? a, string? b)
    {
        var fields = new LineFields(["a", "b"]);
        Assert.True(fields.TryReadPlain(Encoding.UTF8.GetBytes(json), out var isString, out _));
        Assert.False(isString);
        Assert.Equal(a, fields.Get("a"));
        Assert.Equal(b, fields.Get("b"));
    }

    [Theory]
    [InlineData("""{"a":1,"a":2}""")] // a wanted field twice: TryRead decides (and refuses)
    [InlineData("""{"a":1}x""")]
    [InlineData("""{"a":01}""")]
    [InlineData("""{"a":1""")]
    public void TryReadPlain_LeavesTheLineToTryRead_WhenItIsNotOneValueOrRepeatsAField(string json)
        => Assert.False(new LineFields(["a"]).TryReadPlain(Encoding.UTF8.GetBytes(json), out _, out _));

    [Fact]
    public void TryReadPlain_GivesAStringLinesText()
    {
        var line = "\"c-00042\""u8;
        Assert.True(new LineFields([]).TryReadPlain(line, out var isString, out var text));
        Assert.True(isString);
        Assert.Equal("c-00042", Encoding.UTF8.GetString(line[text]));
    }

    [Fact]
    public void IsOnePlainValue_IsTrue_ForValuesSystemTextJsonWrites()
    {
        var random = new Random(7);
        for (var n = 0; n < 20_000; n++)
        {
            var json = Encoding.UTF8.GetBytes(RandomNode(random, 0)?.ToJsonString() ?? "null");
            if (LineFields.IsPlain(json))
            {
                Assert.True(LineFields.IsOnePlainValue(json), Encoding.UTF8.GetString(json));
            }
        }
    }

    [Fact]
    public void IsOnePlainValue_IsFalse_BeyondItsDepthOnly()
    {
        static byte[] Nested(int depth) => Encoding.UTF8.GetBytes(new string('[', depth) + "1" + new string(']', depth));

        Assert.True(LineFields.IsOnePlainValue(Nested(32)));
        Assert.False(LineFields.IsOnePlainValue(Nested(33))); // the reader's answer is then asked by the slow way
        Assert.True(LineFields.IsOneValue(Nested(33)));
        Assert.False(LineFields.IsOnePlainValue(""u8));
        Assert.False(LineFields.IsOnePlainValue("1x"u8));
    }

    private static JsonNode? RandomNode(Random random, int depth)
    {
        switch (depth > 6 ? random.Next(5) : random.Next(7))
        {
            case 0: return JsonValue.Create(random.Next(-1000, 1000));
            case 1: return JsonValue.Create(Math.Round(random.NextDouble() * 1e6 - 5e5, random.Next(0, 5)));
            case 2: return JsonValue.Create(random.Next(2) == 0 ? "plain text" : $"c-{random.Next(100):D5}");
            case 3: return JsonValue.Create(random.Next(2) == 0);
            case 4: return null;
            case 5:
                var array = new JsonArray();
                for (var i = random.Next(4); i > 0; i--)
                {
                    array.Add(RandomNode(random, depth + 1));
                }

                return array;
            default:
                var map = new JsonObject();
                for (var i = random.Next(4); i > 0; i--)
                {
                    map[$"f{i}"] = RandomNode(random, depth + 1);
                }

                return map;
        }
    }
}
