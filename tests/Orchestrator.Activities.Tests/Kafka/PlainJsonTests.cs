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
