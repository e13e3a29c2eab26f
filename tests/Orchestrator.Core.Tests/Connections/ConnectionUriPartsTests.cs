using Orchestrator.Core.Connections;

namespace Orchestrator.Core.Tests.Connections;

/// <summary>
/// Reading a connection URI and showing it redacted agree on where the password is, for passwords holding the
/// characters that end URI parts. Properties over generated passwords (a fixed seed: every run checks the same ones).
/// </summary>
public sealed class ConnectionUriPartsTests
{
    // Upper-case letters other than A-F (the hex digits of percent-encoding) and no digit: a fragment of the password
    // with one of them cannot appear in the rest of the URIs below by chance.
    private const string Letters = "GHJKQWXZ";
    private const string Specials = "@:/?#%";

    public static TheoryData<string> Templates => new()
    {
        "postgres://etl:{0}@db.example:6432/dwh?sslmode=require",
        "postgresql://etl:{0}@db.example/dwh",
        "s3://minio:{0}@minio.example:9000/lake?region=eu",
        "https://user:{0}@api.example/v1?page=1",
        "kafka://user:{0}@b1.example:9092,b2.example:9093?security.protocol=sasl_ssl",
        "smtp://alerts@example.org:{0}@mail.example:587?from=a@example.org&to=b@example.org",
    };

    [Fact]
    public void Parse_TakesThePasswordUpToTheLastAt_AndRedactHidesAllOfIt()
    {
        const string Uri = "postgres://u:p@ss@host/db";

        Assert.Equal("p@ss", ConnectionUri.Parse("c", Uri).Get("password"));
        Assert.Equal("host", ConnectionUri.Parse("c", Uri).Get("host"));
        Assert.Equal("postgres://u:***@host/db", ConnectionUri.Redact(Uri));
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void Parse_GivesBackThePassword_AndRedactShowsNoneOfIt_WhenThePasswordIsPercentEncoded(string template)
    {
        foreach (var password in Passwords(seed: 12))
        {
            var uri = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, Uri.EscapeDataString(password));

            Assert.Equal(password, ConnectionUriParts.Parse(uri).Password);
            AssertHides(password, Uri.EscapeDataString(password), ConnectionUriParts.Redact(uri), uri);
        }
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void Parse_GivesBackThePassword_AndRedactShowsNoneOfIt_WhenAtColonAndHashAreWrittenAsTheyAre(string template)
    {
        foreach (var password in Passwords(seed: 34))
        {
            // As people write them: only what would end the authority (/ ?) and the escape character itself encoded.
            var written = password.Replace("%", "%25", StringComparison.Ordinal).Replace("/", "%2F", StringComparison.Ordinal).Replace("?", "%3F", StringComparison.Ordinal);
            var uri = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, written);

            Assert.Equal(password, ConnectionUriParts.Parse(uri).Password);
            AssertHides(password, written, ConnectionUriParts.Redact(uri), uri);
        }
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void ParseFailsOrReadsNoPassword_AndRedactShowsNoneOfIt_WhenSlashOrQuestionMarkIsNotEncoded(string template)
    {
        // Not with an '@' before the first unencoded '/' or '?': "u:G@H?K@db" is also user u, password G at host H
        // with the query "K@db", a URI this parser must read as written.
        foreach (var password in Passwords(seed: 56).Where(p => p.IndexOfAny(['/', '?']) is var end and >= 0 && !p[..end].Contains('@', StringComparison.Ordinal)))
        {
            var uri = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, password);

            // Such a URI is malformed: it must never be read as a host, path or query holding part of the password.
            Assert.Throws<FormatException>(() => ConnectionUri.Parse("c", uri));
            AssertHides(password, password, ConnectionUriParts.Redact(uri), uri);
        }
    }

    [Theory]
    [InlineData("kafka://b:9092?sasl.username=etl&sasl.password=GHJKQ", "kafka://b:9092?sasl.username=etl&sasl.password=***")]
    [InlineData("sqlite:warehouse.db?password=GHJKQ", "sqlite:warehouse.db?password=***")]
    [InlineData("Host=db;Password=GHJKQ", "***")]
    [InlineData("postgres://u:GH/JKQ@/db", "postgres://***@/db")]
    public void Redact_HidesSecretQueryValuesAndWhatDoesNotParse(string uri, string expected)
        => Assert.Equal(expected, ConnectionUriParts.Redact(uri));

    [Theory]
    [InlineData("postgres://u:GH/JKQ@db/x", "'@' after its host")]
    [InlineData("postgres://u:GH?JKQ@db/x", "'@' after its host")]
    [InlineData("postgres://u:12/JKQ@db/x", "'@' after its host")]
    [InlineData("postgres://u:12?JKQ@db/x", "'@' after its host")]
    [InlineData("postgres://u:GH/JKQ", "port that is not a number")]
    public void Parse_NamesTheMisEncodingWithoutThePassword_WhenSlashOrQuestionMarkIsNotEncoded(string uri, string expected)
    {
        var error = Assert.Throws<FormatException>(() => ConnectionUri.Parse("warehouse", uri));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("connection 'warehouse'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("JKQ", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Passwords of 3 to 16 characters from <see cref="Letters"/> and <see cref="Specials"/>, each with at least one special.</summary>
    private static IEnumerable<string> Passwords(int seed)
    {
        var random = new Random(seed);
        const string Alphabet = Letters + Specials + "%%";
        for (var i = 0; i < 400; i++)
        {
            var length = random.Next(3, 17);
            var chars = Enumerable.Range(0, length).Select(_ => Alphabet[random.Next(Alphabet.Length)]).ToArray();
            chars[random.Next(length)] = Specials[random.Next(Specials.Length)];
            chars[random.Next(length)] = Letters[random.Next(Letters.Length)];
            yield return new string(chars);
        }

        // Percent-encoding look-alikes: a password that reads as an escape must survive as itself.
        yield return "GH%41";
        yield return "%2FGH%3F";
        yield return "GH%%";
    }

    /// <summary>No fragment of 3 or more characters holding a letter of the password, as it is or as written in the URI.</summary>
    private static void AssertHides(string password, string written, string redacted, string uri)
    {
        foreach (var secret in new[] { password, written })
        {
            for (var length = 3; length <= secret.Length; length++)
            {
                for (var start = 0; start + length <= secret.Length; start++)
                {
                    var fragment = secret.Substring(start, length);
                    Assert.False(
                        fragment.Any(Letters.Contains) && redacted.Contains(fragment, StringComparison.Ordinal),
                        $"'{redacted}', the redaction of '{uri}', shows '{fragment}' of the password '{password}'");
                }
            }
        }
    }
}
