using Microsoft.Extensions.Time.Testing;
using Orchestrator.Cli.Display;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Spectre.Console;
using Spectre.Console.Testing;

namespace Orchestrator.Cli.Tests;

/// <summary>The terminal mode of <c>orchestrator run</c>, rendered through Spectre's test console on a fake clock.</summary>
public sealed class LiveDisplayTests
{
    private static readonly Guid RunId = Guid.Parse("01a24d8e-6e0f-745f-807a-83548875bf08");
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);

    private static TestConsole Terminal() => new TestConsole().Interactive().SupportsAnsi(true).Width(100);

    /// <summary>extract succeeded in 2 s; load failed its first attempt and runs its second since 1.5 s; report waits.</summary>
    private static IEnumerable<RunEvent> HalfwayEvents()
    {
        yield return new RunStateChanged(RunId, Start, "sales", RunState.Running, null);
        yield return new AttemptStarted(RunId, Start, "extract", 1, null);
        yield return new TaskStateChanged(RunId, Start.AddSeconds(2), "extract", TaskState.Succeeded, 1, null, null);
        yield return new AttemptStarted(RunId, Start.AddSeconds(2), "load", 1, null);
        yield return new TaskStateChanged(RunId, Start.AddSeconds(3), "load", TaskState.UpForRetry, 1, Start.AddSeconds(4), "boom");
        yield return new TaskStateChanged(RunId, Start.AddSeconds(4), "load", TaskState.Running, 2, null, null);
        yield return new AttemptStarted(RunId, Start.AddSeconds(4), "load", 2, null);
    }

    [Fact]
    public void Live_ShowsEachTasksStateAndTime_AndAProgressLine_WhileTheRunIsHalfway()
    {
        var board = new RunBoard("sales", ["extract", "load", "report"]);
        foreach (var runEvent in HalfwayEvents())
        {
            board.Apply(runEvent);
        }

        var console = Terminal();
        console.Write(RunView.Live(board.Take(), Start.AddSeconds(5.5)));

        var lines = console.Lines.Select(l => l.TrimEnd()).ToArray();
        Assert.Contains(lines, l => l.StartsWith("sales run " + RunId, StringComparison.Ordinal));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s*extract\s+succeeded\s+1\s+2\.00s$"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s*load\s+running\s+2\s+1\.50s$"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s*report\s+pending$"));
        Assert.Equal("1/3 done · running: load 1.50s (attempt 2) · retries: 1 · 5.50s", lines[^1]);
    }

    [Fact]
    public async Task RunAsync_WritesLogLinesAboveTheLiveTable_AndEndsWithEveryTaskDone()
    {
        var time = new FakeTimeProvider(Start.AddSeconds(6));
        var console = Terminal();
        var display = new LiveRunDisplay(console, new RunBoard("sales", ["extract", "load", "report"]), time);

        var result = await display.RunAsync(observer =>
        {
            foreach (var runEvent in HalfwayEvents())
            {
                observer.OnEvent(runEvent);
            }

            observer.OnEvent(new TaskLogWritten(RunId, Start.AddSeconds(5), new Core.Storage.TaskLogLine(RunId, "load", 2, 1, Start.AddSeconds(5), Microsoft.Extensions.Logging.LogLevel.Information, "loaded 42 rows")));
            observer.OnEvent(new TaskStateChanged(RunId, Start.AddSeconds(5), "load", TaskState.Succeeded, 2, null, null));
            observer.OnEvent(new AttemptStarted(RunId, Start.AddSeconds(5), "report", 1, null));
            observer.OnEvent(new TaskStateChanged(RunId, Start.AddSeconds(6), "report", TaskState.Succeeded, 1, null, null));
            observer.OnEvent(new RunStateChanged(RunId, Start.AddSeconds(6), "sales", RunState.Succeeded, null));
            return Task.FromResult("done");
        }).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal("done", result);
        Assert.Contains("[load] loaded 42 rows", console.Output, StringComparison.Ordinal);
        Assert.Contains("3/3 done · retries: 1 · 6.00s", console.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void IsLive_IsTrueOnlyForAnInteractiveAnsiConsole()
    {
        Assert.True(ConsoleModes.IsLive(Terminal()));
        Assert.False(ConsoleModes.IsLive(new TestConsole().SupportsAnsi(true)));
        Assert.False(ConsoleModes.IsLive(new TestConsole().Interactive().SupportsAnsi(false)));
    }

    [Fact]
    public void Terminal_IsNull_ForAWriterThatIsNotTheProcesssOwnStream()
    {
        Assert.Null(ConsoleModes.Terminal(new StringWriter()));
    }

    [Fact]
    public void Summary_ShowsEachTasksDuration_AndTheErrorColumnOnlyWhenATaskFailed()
    {
        var run = new Core.Storage.RunRecord
        {
            Id = RunId, WorkflowId = "sales", WorkflowVersion = "v", Kind = RunKind.Manual, State = RunState.Failed,
            LogicalDate = Start, DataIntervalStart = Start, DataIntervalEnd = Start, Params = new Dictionary<string, System.Text.Json.JsonElement>(),
            CreatedAt = Start, StartedAt = Start, EndedAt = Start.AddSeconds(75),
        };
        var tasks = new[]
        {
            new Core.Storage.TaskInstanceRecord { RunId = RunId, TaskId = "extract", State = TaskState.Succeeded, Attempts = 1, MaxAttempts = 1, StartedAt = Start, EndedAt = Start.AddSeconds(12.34) },
            new Core.Storage.TaskInstanceRecord { RunId = RunId, TaskId = "load", State = TaskState.Failed, Attempts = 2, MaxAttempts = 2, StartedAt = Start.AddSeconds(13), EndedAt = Start.AddSeconds(75), Error = "disk full" },
            new Core.Storage.TaskInstanceRecord { RunId = RunId, TaskId = "report", State = TaskState.UpstreamFailed, MaxAttempts = 1 },
        };
        var console = Terminal();

        console.Write(RunView.Summary(new RunResult(run, tasks, [])));

        var lines = console.Lines.Select(l => l.TrimEnd()).ToArray();
        Assert.Equal($"sales run {RunId}: failed in 1m15s", lines[0]);
        Assert.Matches(@"task\s+│\s+state\s+│\s+attempts\s+│\s+duration\s+│\s+error", lines[2]);
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"extract\s+│\s+succeeded\s+│\s+1\s+│\s+12\.3s\s+│"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"load\s+│\s+failed\s+│\s+2\s+│\s+1m02s\s+│\s+disk full"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"report\s+│\s+upstream_failed\s+│\s+0\s+│\s+│"));
    }
}
