using System.Text;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Activities.Core;
using Orchestrator.Core.Connections;
using Orchestrator.Core.Validation;

namespace Orchestrator.Core.Tests.Validation;

/// <summary>
/// Every malformed workflow in <c>Validation/Corpus</c> must produce exactly the diagnostics listed for it in
/// <c>expectations.txt</c>: same codes, at the line and column of each expectation's anchor. The anchors are
/// located here by plain text search, so the expected positions never come from the validator itself.
/// </summary>
public sealed class MalformedCorpusTests
{
    private const int MinimumCorpusSize = 60;

    private static readonly string CorpusDirectory = Path.Combine(AppContext.BaseDirectory, "Validation", "Corpus");
    private static readonly Lazy<IReadOnlyList<Expectation>> Expectations = new(() => Expectation.ReadAll(Path.Combine(CorpusDirectory, "expectations.txt")));
    // The embedded default connection 'events' (local) and a PostgreSQL one, for the connection checks of triggers.
    private static readonly WorkflowValidator Validator = new(
        new ActivityRegistry(CoreActivities.Descriptors()),
        new ConnectionCatalog([.. ConnectionCatalog.EmbeddedDefaults, new Connection("warehouse", ConnectionTypes.PostgreSql, new Dictionary<string, string>())]));

    public static TheoryData<string> CorpusFiles() => new(CorpusFileNames());

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Validate_ReportsExpectedDiagnostics_ForCorpusFile(string file)
    {
        var bytes = File.ReadAllBytes(Path.Combine(CorpusDirectory, file));
        var text = Encoding.UTF8.GetString(bytes);
        var expected = Expectations.Value
            .Where(e => e.File == file)
            .Select(e => (e.Code, Position: e.Locate(text), Source: e.ToString()))
            .ToList();

        var actual = Validator.Validate(file, bytes).Diagnostics;

        // Sorted lists rather than sets: a diagnostic reported twice is a failure too.
        var expectedKeys = expected.Select(e => Key(e.Code, e.Position.Line, e.Position.Column)).Order(StringComparer.Ordinal);
        var actualKeys = actual.Select(d => Key(d.Code, d.Position.Line, d.Position.Column)).Order(StringComparer.Ordinal);
        if (!expectedKeys.SequenceEqual(actualKeys))
        {
            Assert.Fail(
                $"{file}: the diagnostics differ from expectations.txt.{Environment.NewLine}" +
                $"expected:{Environment.NewLine}{string.Join(Environment.NewLine, expected.Select(e => $"  {e.Position.Line}:{e.Position.Column} {e.Code}   from {e.Source}"))}{Environment.NewLine}" +
                $"actual:{Environment.NewLine}{string.Join(Environment.NewLine, actual.Select(d => $"  {d.Position.Line}:{d.Position.Column} {d.Code}   {d.Message} [{d.Path}]"))}");
        }
    }

    [Fact]
    public void Corpus_HasEnoughFiles_EachWithExpectations_AndNoExpectationForAMissingFile()
    {
        var files = CorpusFileNames();
        var expectedFiles = Expectations.Value.Select(e => e.File).ToHashSet(StringComparer.Ordinal);

        var withoutExpectations = files.Where(f => !expectedFiles.Contains(f)).ToList();
        var missingFiles = expectedFiles.Where(f => !files.Contains(f)).ToList();

        Assert.True(files.Count >= MinimumCorpusSize, $"the corpus has {files.Count} files; expected at least {MinimumCorpusSize}");
        Assert.True(withoutExpectations.Count == 0, $"files without expectations: {string.Join(", ", withoutExpectations)}");
        Assert.True(missingFiles.Count == 0, $"expectations name files that do not exist: {string.Join(", ", missingFiles)}");
    }

    [Fact]
    public void Corpus_CoversEveryDiagnosticCode_ExceptTheDirectoryAndServerLevelOnes()
    {
        // A duplicate workflow id needs two files, a disabled activity a server that disables it (DisabledActivityTests);
        // a single-file corpus validated with the full catalog cannot show them.
        var fileLevelCodes = DiagnosticCodes.All.Select(c => c.Code)
            .Where(c => c != DiagnosticCodes.DuplicateWorkflowId && c != DiagnosticCodes.DisabledActivity);
        var covered = Expectations.Value.Select(e => e.Code).ToHashSet(StringComparer.Ordinal);

        var uncovered = fileLevelCodes.Where(c => !covered.Contains(c)).ToList();
        var unknown = covered.Where(c => DiagnosticCodes.All.All(known => known.Code != c)).ToList();

        Assert.True(uncovered.Count == 0, $"no corpus file shows {string.Join(", ", uncovered)}");
        Assert.True(unknown.Count == 0, $"expectations.txt names codes that do not exist: {string.Join(", ", unknown)}");
    }

    private static List<string> CorpusFileNames()
        => Directory.EnumerateFiles(CorpusDirectory, "*.json")
            .Select(Path.GetFileName)
            .Select(f => f!)
            .Order(StringComparer.Ordinal)
            .ToList();

    private static string Key(string code, int line, int column) => $"{line:D5}:{column:D5} {code}";

    /// <summary>One line of expectations.txt: <c>&lt;file&gt; &lt;CODE&gt; "&lt;anchor&gt;" [occurrence]</c>.</summary>
    private sealed record Expectation(string File, string Code, string Anchor, int Occurrence, int SourceLine)
    {
        public static IReadOnlyList<Expectation> ReadAll(string path)
            => System.IO.File.ReadAllLines(path)
                .Select((line, index) => (Text: line.Trim(), Number: index + 1))
                .Where(l => l.Text.Length > 0 && !l.Text.StartsWith('#'))
                .Select(l => Parse(l.Text, l.Number))
                .ToList();

        /// <summary>The 1-based line and column (in UTF-16 characters) of the anchor's first character.</summary>
        public (int Line, int Column) Locate(string text)
        {
            var index = -1;
            for (var found = 0; found < Occurrence; found++)
            {
                index = text.IndexOf(Anchor, index + 1, StringComparison.Ordinal);
                if (index < 0)
                {
                    throw new InvalidOperationException($"{this}: the file has {found} occurrence(s) of the anchor, not {Occurrence}");
                }
            }

            var lineStart = index == 0 ? 0 : text.LastIndexOf('\n', index - 1) + 1;
            var line = 1 + text.AsSpan(0, lineStart).Count('\n');
            return (line, index - lineStart + 1);
        }

        public override string ToString()
        {
            var quoted = Anchor.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
            return $"expectations.txt line {SourceLine}: {File} {Code} \"{quoted}\" {Occurrence}";
        }

        private static Expectation Parse(string text, int number)
        {
            var fields = text.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (fields.Length < 3 || !fields[2].StartsWith('"'))
            {
                throw new FormatException($"expectations.txt line {number}: expected <file> <CODE> \"<anchor>\" [occurrence]");
            }

            var anchor = new StringBuilder();
            var rest = fields[2];
            var i = 1;
            for (; i < rest.Length && rest[i] != '"'; i++)
            {
                if (rest[i] != '\\')
                {
                    anchor.Append(rest[i]);
                    continue;
                }

                i++;
                anchor.Append(i < rest.Length ? rest[i] switch
                {
                    '"' => '"',
                    '\\' => '\\',
                    'n' => '\n',
                    var other => throw new FormatException($"expectations.txt line {number}: unknown escape \\{other}"),
                } : throw new FormatException($"expectations.txt line {number}: the anchor ends with a lone backslash"));
            }

            if (i >= rest.Length)
            {
                throw new FormatException($"expectations.txt line {number}: the anchor has no closing quote");
            }

            var tail = rest[(i + 1)..].Trim();
            var occurrence = 1;
            if (tail.Length > 0 && (!int.TryParse(tail, out occurrence) || occurrence < 1))
            {
                throw new FormatException($"expectations.txt line {number}: '{tail}' is not an occurrence number (1, 2, ...)");
            }

            return new Expectation(fields[0], fields[1], anchor.ToString(), occurrence, number);
        }
    }
}
