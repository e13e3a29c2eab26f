using Orchestrator.Cli.Display;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Json;
using Orchestrator.Core.Model;

namespace Orchestrator.Cli;

/// <summary>
/// A run as plain lines on stderr (output that is not an interactive terminal): task log lines and one line per
/// state change, each prefixed by its task id; ended attempts and tasks carry their duration, from the start times
/// the <see cref="RunBoard"/> keeps.
/// </summary>
internal sealed class ConsoleRunObserver(TextWriter stderr, RunBoard board) : IRunObserver
{
    private readonly Lock _gate = new();

    public void OnEvent(RunEvent runEvent)
    {
        board.Apply(runEvent);
        var line = LogLine(runEvent) ?? runEvent switch
        {
            TaskStateChanged { State: TaskState.Running } t => $"[{t.TaskId}] running (attempt {t.Attempts})",
            TaskStateChanged { State: TaskState.UpForRetry } t
                => $"[{t.TaskId}] up_for_retry: attempt {t.Attempts} failed after {AttemptTime(t)}; attempt {t.Attempts + 1} at {Iso(t.NextAttemptAt!.Value)}",
            TaskStateChanged { State: TaskState.Succeeded or TaskState.Failed } t
                => $"[{t.TaskId}] {WireNames.Of(t.State)} in {TaskTime(t)} (attempt {t.Attempts})",
            TaskStateChanged { State: TaskState.UpstreamFailed or TaskState.Skipped or TaskState.Cancelled } t => $"[{t.TaskId}] {WireNames.Of(t.State)}",
            RunStateChanged r => RunLine(r),
            _ => null,
        };
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            stderr.WriteLine(line);
        }
    }

    /// <summary>The lines of a run that are not state changes: task log lines and anomalies.</summary>
    public static string? LogLine(RunEvent runEvent) => runEvent switch
    {
        TaskLogWritten log => $"[{log.Line.TaskId}] {log.Line.Message}",
        AnomalyReported a => $"[{a.TaskId}] anomaly: {a.Description}",
        _ => null,
    };

    private string? RunLine(RunStateChanged run)
        => run.State.IsFinal() ? $"run {run.RunId} {WireNames.Of(run.State)} in {Durations.Human(run.At - (board.StartedAt ?? run.At))}" : null;

    private string AttemptTime(TaskStateChanged task) => Since(board.Line(task.TaskId)?.AttemptStartedAt, task.At);

    private string TaskTime(TaskStateChanged task) => Since(board.Line(task.TaskId)?.StartedAt, task.At);

    private static string Since(DateTimeOffset? start, DateTimeOffset end) => start is { } known ? Durations.Human(end - known) : "?";

    private static string Iso(DateTimeOffset value) => Core.Templates.TemplateScope.Iso(value);
}
