using System.Text;

namespace Orchestrator.Cli.Tests;

/// <summary>
/// <c>orchestrator validate</c> on files that once crashed it: a lone surrogate escape, bytes that are not UTF-8, a
/// param pattern that backtracks forever. Each is a located error and exit code 1, never a stack trace.
/// </summary>
public sealed class ValidateHostileFileTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("orchestrator-cli-hostile-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task Validate_PrintsLocatedErrors_AndExitsOne_ForFilesThatAreNotText()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_work, "workflows")).FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "a-surrogate.json"), """
            { "id": "surrogate", "description": "half a pair: \ud800", "tasks": [ { "id": "a", "activity": "core.noop" } ] }
            """);
        await File.WriteAllBytesAsync(Path.Combine(folder, "b-latin1.json"),
            [.. Encoding.UTF8.GetBytes("{ \"id\": \"latin1\", \"description\": \"caf"), 0xE9, .. Encoding.UTF8.GetBytes("\", \"tasks\": [ { \"id\": \"a\", \"activity\": \"core.noop\" } ] }")]);
        await File.WriteAllTextAsync(Path.Combine(folder, "c-backtracking.json"), """
            { "id": "backtracking",
              "params": { "code": { "type": "string", "pattern": "^(a+)+\\1$", "default": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!" } },
              "tasks": [ { "id": "a", "activity": "core.noop" } ] }
            """);

        var result = await CliProcess.RunAsync(_work, "validate", folder);

        Assert.True(result.ExitCode == 1, result.Stdout + result.Stderr);
        Assert.DoesNotContain("   at ", result.Stdout + result.Stderr, StringComparison.Ordinal);
        Assert.Equal(
            [
                $"{Path.Combine(folder, "a-surrogate.json")}:1:51: error JSON003",
                $"{Path.Combine(folder, "b-latin1.json")}:1:38: error JSON002",
                $"{Path.Combine(folder, "c-backtracking.json")}:2:79: error WF018",
            ],
            result.StdoutLines.Select(l => l[..l.IndexOf(':', l.IndexOf(": error ", StringComparison.Ordinal) + 1)]));
    }

    [Fact]
    public async Task Validate_ReportsAnUnknownDataset_OfDataGenerate()
    {
        var path = Path.Combine(_work, "generate.json");
        await File.WriteAllTextAsync(path, """
            { "id": "generate",
              "tasks": [ { "id": "g", "activity": "data.generate", "with": { "dataset": "transaktions", "rows": 10, "path": "t.csv" } } ] }
            """);

        var result = await CliProcess.RunAsync(_work, "validate", path);

        Assert.True(result.ExitCode == 1, result.Stdout + result.Stderr);
        var line = Assert.Single(result.StdoutLines);
        Assert.StartsWith($"{path}:2:77: error WF032: ", line, StringComparison.Ordinal);
        Assert.Contains("transactions", line, StringComparison.Ordinal);
    }
}
