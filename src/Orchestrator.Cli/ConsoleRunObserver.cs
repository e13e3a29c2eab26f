using System.Collections.Concurrent;
using Orchestrator.Cli.Display;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Json;
using Orchestrator.Core.Model;

namespace Orchestrator.Cli;

/// <summary>
/// A run as plain lines on stderr (output that is not an interactive terminal): task log lines and one line per
/// state change, each prefixed by its task id; ended attempts and tasks carry their duration.
/// </summary>
internal sealed class ConsoleRunObserver(TextWriter stderr) : IRunObserver
{
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _attemptStarted = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _taskStarted = new(StringComparer.Ordinal);
    private DateTimeOffset? _runStarted;

    public void OnEvent(RunEvent runEvent)
    {
        lock (_gate)
        {
            _runStarted ??= runEvent.At;
        }

        if (runEvent is AttemptStarted started)
        {
            _attemptStarted[started.TaskId] = started.At;
            _taskStarted.AddOrUpdate(started.TaskId, started.At, (_, known) => known < started.At ? known : started.At);
        }
        else if (runEvent is TaskStateChanged { State: TaskState.Running } running)
        {
            _taskStarted.AddOrUpdate(running.TaskId, running.At, (_, known) => known < running.At ? known : running.At);
        }

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
        => run.State.IsFinal() ? $"run {run.RunId} {WireNames.Of(run.State)} in {Durations.Human(run.At - (_runStarted ?? run.At))}" : null;

    private string AttemptTime(TaskStateChanged task)
        => _attemptStarted.TryGetValue(task.TaskId, out var started) ? Durations.Human(task.At - started) : "?";

    private string TaskTime(TaskStateChanged task)
        => _taskStarted.TryGetValue(task.TaskId, out var started) ? Durations.Human(task.At - started) : "?";

    private static string Iso(DateTimeOffset value) => Core.Templates.TemplateScope.Iso(value);
}
