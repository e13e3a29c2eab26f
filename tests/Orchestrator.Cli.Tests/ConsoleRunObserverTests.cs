using Orchestrator.Cli.Display;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;

namespace Orchestrator.Cli.Tests;

/// <summary>The plain lines of <c>orchestrator run</c> when stderr is not an interactive terminal.</summary>
public sealed class ConsoleRunObserverTests
{
    private static readonly Guid RunId = Guid.Parse("01a24d8e-6e0f-745f-807a-83548875bf08");
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void OnEvent_WritesALinePerStateChange_WithAttemptTaskAndRunDurations()
    {
        var stderr = new StringWriter();
        var observer = new ConsoleRunObserver(stderr, new RunBoard("sales", ["extract", "load", "report"]));

        foreach (var runEvent in (RunEvent[])[
                     new RunStateChanged(RunId, Start, "sales", RunState.Queued, null),
                     // extract is claimed, then its attempt starts: the task's time counts from the claim.
                     new TaskStateChanged(RunId, Start.AddSeconds(0.5), "extract", TaskState.Running, 1, null, null),
                     new AttemptStarted(RunId, Start.AddSeconds(1), "extract", 1, null),
                     new TaskLogWritten(RunId, Start.AddSeconds(2), new TaskLogLine(RunId, "extract", 1, 1, Start.AddSeconds(2), Microsoft.Extensions.Logging.LogLevel.Information, "extracted 10 rows")),
                     new TaskStateChanged(RunId, Start.AddSeconds(3), "extract", TaskState.Succeeded, 1, null, null),
                     // load's first attempt starts before its claim is seen: the attempt's time counts from its start.
                     new AttemptStarted(RunId, Start.AddSeconds(3), "load", 1, null),
                     new TaskStateChanged(RunId, Start.AddSeconds(3.2), "load", TaskState.Running, 1, null, null),
                     new TaskStateChanged(RunId, Start.AddSeconds(4), "load", TaskState.UpForRetry, 1, Start.AddSeconds(5), "boom"),
                     new TaskStateChanged(RunId, Start.AddSeconds(5), "load", TaskState.Running, 2, null, null),
                     new AttemptStarted(RunId, Start.AddSeconds(5.5), "load", 2, null),
                     new AnomalyReported(RunId, Start.AddSeconds(6), "load", 2, "3 rows without a city"),
                     new TaskStateChanged(RunId, Start.AddSeconds(7), "load", TaskState.Failed, 2, null, "boom"),
                     new TaskStateChanged(RunId, Start.AddSeconds(7), "report", TaskState.UpstreamFailed, 0, null, null),
                     new RunStateChanged(RunId, Start.AddSeconds(7), "sales", RunState.Failed, "load failed"),
                 ])
        {
            observer.OnEvent(runEvent);
        }

        Assert.Equal(
            [
                "[extract] running (attempt 1)",
                "[extract] extracted 10 rows",
                "[extract] succeeded in 2.50s (attempt 1)",
                "[load] running (attempt 1)",
                "[load] up_for_retry: attempt 1 failed after 1.00s; attempt 2 at 2026-12-06T10:00:05Z",
                "[load] running (attempt 2)",
                "[load] anomaly: 3 rows without a city",
                "[load] failed in 4.00s (attempt 2)",
                "[report] upstream_failed",
                $"run {RunId} failed in 7.00s",
            ],
            stderr.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void OnEvent_WritesAQuestionMark_WhenATaskEndsWithoutAStartSeen()
    {
        var stderr = new StringWriter();
        var observer = new ConsoleRunObserver(stderr, new RunBoard("sales", ["load"]));

        observer.OnEvent(new RunStateChanged(RunId, Start, "sales", RunState.Running, null));
        observer.OnEvent(new TaskStateChanged(RunId, Start.AddSeconds(1), "load", TaskState.UpForRetry, 1, Start.AddSeconds(2), "boom"));
        observer.OnEvent(new TaskStateChanged(RunId, Start.AddSeconds(3), "load", TaskState.Failed, 2, null, "boom"));

        Assert.Equal(
            ["[load] up_for_retry: attempt 1 failed after ?; attempt 2 at 2026-12-06T10:00:02Z", "[load] failed in ? (attempt 2)"],
            stderr.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }
}
