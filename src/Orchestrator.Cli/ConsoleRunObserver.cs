using Orchestrator.Core.Engine;
using Orchestrator.Core.Json;
using Orchestrator.Core.Model;

namespace Orchestrator.Cli;

/// <summary>Streams task log lines and state changes to stderr, each line prefixed by its task id.</summary>
internal sealed class ConsoleRunObserver(TextWriter stderr) : IRunObserver
{
    private readonly Lock _gate = new();

    public void OnEvent(RunEvent runEvent)
    {
        var line = runEvent switch
        {
            TaskLogWritten log => $"[{log.Line.TaskId}] {log.Line.Message}",
            TaskStateChanged { State: TaskState.UpForRetry } t => $"[{t.TaskId}] up_for_retry: attempt {t.Attempts + 1} at {TemplatesIso(t.NextAttemptAt!.Value)}",
            TaskStateChanged t when t.State is TaskState.Running or TaskState.Succeeded or TaskState.Failed or TaskState.UpstreamFailed or TaskState.Skipped or TaskState.Cancelled
                => $"[{t.TaskId}] {WireNames.Of(t.State)}{(t.State == TaskState.Running ? $" (attempt {t.Attempts})" : "")}",
            AnomalyReported a => $"[{a.TaskId}] anomaly: {a.Description}",
            RunStateChanged { State: var state } r when state.IsFinal() => $"run {r.RunId} {WireNames.Of(state)}",
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

    private static string TemplatesIso(DateTimeOffset value) => Core.Templates.TemplateScope.Iso(value);
}
