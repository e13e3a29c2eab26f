using System.Text.Json;

namespace Orchestrator.Cli.Tests;

/// <summary>
/// Schedule time zones in the real <c>orchestrator</c> process, which runs with invariant globalization (no ICU):
/// Windows ids resolve through the CLDR table as IANA ids do through the zone files.
/// </summary>
public sealed class TimeZoneNameTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("orchestrator-zones-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public void Cli_RunsWithInvariantGlobalization()
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "orchestrator.runtimeconfig.json")));
        Assert.True(config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").GetProperty("System.Globalization.Invariant").GetBoolean());
    }

    [Fact]
    public async Task Validate_AcceptsWindowsAndIanaZones_AndLocatesAnUnknownOne()
    {
        Directory.CreateDirectory(Path.Combine(_work, "valid"));
        Write("valid/windows.json", Scheduled("windows", "Romance Standard Time"));
        Write("valid/alias.json", Scheduled("alias", "US/Eastern"));
        Write("valid/iana.json", Scheduled("iana", "Asia/Kolkata"));
        var unknown = Write("unknown.json", Scheduled("unknown", "Mars/Olympus"));

        var valid = await CliProcess.RunAsync(_work, "validate", Path.Combine(_work, "valid"));
        var invalid = await CliProcess.RunAsync(_work, "validate", unknown);

        Assert.True(valid.ExitCode == 0, valid.Stdout + valid.Stderr);
        Assert.Empty(valid.Stdout);
        Assert.Contains("3 file(s)", valid.Stderr);
        Assert.Equal(1, invalid.ExitCode);
        var text = File.ReadAllText(unknown);
        Assert.Equal(
            [$"{unknown}:{At(text, "\"Mars/Olympus\"")}: error WF015: unknown time zone 'Mars/Olympus' (use an IANA name such as Europe/Paris or a Windows id such as Romance Standard Time) [$.schedule.timezone]"],
            invalid.StdoutLines);
    }

    [Theory]
    [InlineData("Romance Standard Time", "2026-01-14T23:00:00Z", "2026-01-15T23:00:00")]
    [InlineData("romance standard time", "2026-01-14T23:00:00Z", "2026-01-15T23:00:00")]
    [InlineData("Europe/Paris", "2026-01-14T23:00:00Z", "2026-01-15T23:00:00")]
    [InlineData("India Standard Time", "2026-01-14T18:30:00Z", "2026-01-15T18:30:00")]
    [InlineData("America/New_York", "2026-01-15T05:00:00Z", "2026-01-16T05:00:00")]
    public async Task Run_EndsTheDataIntervalAtTheNextMidnightOfTheZone(string zone, string logicalDate, string intervalEnd)
    {
        var result = await CliProcess.RunAsync(_work, "run", Write("wf.json", Scheduled("zoned", zone)), "--logical-date", logicalDate, "--output", "json");

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var message = json.RootElement.GetProperty("tasks")[0].GetProperty("outputs").GetProperty("message").GetString();
        Assert.StartsWith(intervalEnd, message, StringComparison.Ordinal);
    }

    private static string Scheduled(string id, string zone) => $$$"""
        {
          "id": "{{{id}}}",
          "schedule": { "cron": "0 0 * * *", "timezone": "{{{zone}}}" },
          "tasks": [
            { "id": "interval", "activity": "core.log", "with": { "message": "{{ run.data_interval_end }}" } }
          ]
        }
        """;

    private string Write(string name, string json)
    {
        var path = Path.Combine(_work, name);
        File.WriteAllText(path, json);
        return path;
    }

    /// <summary>line:column of the first occurrence of a snippet, computed independently of the validator.</summary>
    private static string At(string text, string snippet)
    {
        var offset = text.IndexOf(snippet, StringComparison.Ordinal);
        var line = text[..offset].Count(c => c == '\n') + 1;
        var column = offset - (text.LastIndexOf('\n', Math.Max(0, offset - 1)) + 1) + 1;
        return $"{line}:{column}";
    }
}
