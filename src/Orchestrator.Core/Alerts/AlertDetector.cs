using Orchestrator.Core.Engine;
using Orchestrator.Core.Json;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Core.Templates;

namespace Orchestrator.Core.Alerts;

/// <summary>
/// Turns what happened (state changes about to be persisted, anomalies an attempt reported, a missed SLA) into
/// alerts, one per channel that a rule sends the event to. Pure: the caller writes them in its transaction.
/// </summary>
public static class AlertDetector
{
    /// <summary>Whether <see cref="FromChanges"/> needs the outcome of the workflow's previous finished run (for run_recovered).</summary>
    public static bool NeedsPreviousOutcome(AlertRouting routing, WorkflowDefinition workflow, RunChanges changes)
        => changes.Run is { State: RunState.Succeeded } && routing.Wants(workflow, AlertEvent.RunRecovered);

    /// <param name="run">The run after the changes.</param>
    /// <param name="tasks">All task instances of the run after the changes.</param>
    /// <param name="previousOutcome">The state of the workflow's previous finished run, when <see cref="NeedsPreviousOutcome"/>.</param>
    public static IReadOnlyList<AlertRecord> FromChanges(
        AlertRouting routing, WorkflowDefinition workflow, RunRecord run, RunChanges changes, IReadOnlyList<TaskInstanceRecord> tasks,
        RunState? previousOutcome, DateTimeOffset now)
    {
        var alerts = new List<AlertRecord>();
        foreach (var task in changes.Tasks)
        {
            var alertEvent = task.State switch
            {
                TaskState.Failed => AlertEvent.TaskFailed,
                TaskState.UpForRetry => AlertEvent.TaskRetry,
                _ => (AlertEvent?)null,
            };
            if (alertEvent is { } e)
            {
                alerts.AddRange(For(routing, workflow, e, $"{run.Id}/{task.TaskId}/{task.Attempts}", now, alert => alert with
                {
                    RunId = run.Id,
                    TaskId = task.TaskId,
                    Attempt = task.Attempts,
                    LogicalDate = run.LogicalDate,
                    Error = task.Error,
                }));
            }
        }

        if (changes.Run is not { } finished || !finished.State.IsFinal())
        {
            return alerts;
        }

        var ended = (finished.EndedAt ?? now).UtcTicks;
        if (finished.State == RunState.Failed)
        {
            // The first failed task is the one to look at: its error and log tail go into the message.
            var culprit = tasks.FirstOrDefault(t => t.State == TaskState.Failed);
            alerts.AddRange(For(routing, workflow, AlertEvent.RunFailed, $"{run.Id}/{ended}", now, alert => alert with
            {
                RunId = run.Id,
                TaskId = culprit?.TaskId,
                Attempt = culprit?.Attempts,
                LogicalDate = run.LogicalDate,
                Error = culprit?.Error ?? finished.Error,
                Detail = FailedTasks(tasks),
            }));
        }
        else if (finished.State == RunState.Succeeded)
        {
            alerts.AddRange(For(routing, workflow, AlertEvent.RunSucceeded, $"{run.Id}/{ended}", now, alert => alert with { RunId = run.Id, LogicalDate = run.LogicalDate }));
            if (previousOutcome == RunState.Failed)
            {
                alerts.AddRange(For(routing, workflow, AlertEvent.RunRecovered, $"{run.Id}/{ended}", now, alert => alert with
                {
                    RunId = run.Id,
                    LogicalDate = run.LogicalDate,
                    Detail = "first success after a failed run",
                }));
            }
        }

        return alerts;
    }

    /// <summary>
    /// Every alert a run change raises: its state changes and its attempts' anomalies. The one detection step of
    /// the alert participants of both queues (the database's and the in-memory one of <c>orchestrator run</c>).
    /// </summary>
    /// <param name="previousOutcome">The state of the workflow's previous finished run, when <see cref="NeedsPreviousOutcome"/>.</param>
    public static IReadOnlyList<AlertRecord> FromChange(AlertRouting routing, RunChange change, RunState? previousOutcome)
    {
        var workflow = change.Plan.Definition;
        var found = FromChanges(routing, workflow, change.Run, change.Changes, change.Tasks, previousOutcome, change.Now).ToList();
        foreach (var (taskId, attempt, descriptions) in change.Anomalies)
        {
            found.AddRange(FromAnomalies(routing, workflow, change.Run, taskId, attempt, descriptions, change.Now));
        }

        return found;
    }

    /// <summary>The anomalies one attempt reported, as one alert per channel listing them all.</summary>
    public static IReadOnlyList<AlertRecord> FromAnomalies(
        AlertRouting routing, WorkflowDefinition workflow, RunRecord run, string taskId, int attempt, IReadOnlyList<string> anomalies, DateTimeOffset now)
        => anomalies.Count == 0
            ? []
            : For(routing, workflow, AlertEvent.Anomaly, $"{run.Id}/{taskId}/{attempt}", now, alert => alert with
            {
                RunId = run.Id,
                TaskId = taskId,
                Attempt = attempt,
                LogicalDate = run.LogicalDate,
                Error = anomalies[0],
                Detail = string.Join('\n', anomalies),
            });

    /// <summary>
    /// The run of <paramref name="interval"/> was not finished at <paramref name="deadline"/> (its fire time plus the
    /// workflow's <c>sla</c>); <paramref name="run"/> is null when it was never created.
    /// </summary>
    public static IReadOnlyList<AlertRecord> SlaMissed(
        AlertRouting routing, WorkflowDefinition workflow, DataInterval interval, DateTimeOffset deadline, RunRecord? run, DateTimeOffset now)
    {
        var state = run is null ? "never created" : run.EndedAt is { } ended ? $"{WireNames.Of(run.State)} at {TemplateScope.Iso(ended)}" : WireNames.Of(run.State);
        return For(routing, workflow, AlertEvent.SlaMissed, TemplateScope.Iso(interval.Start), now, alert => alert with
        {
            RunId = run?.Id,
            LogicalDate = interval.Start,
            Error = $"run not finished {IsoDuration.Format(workflow.Sla ?? TimeSpan.Zero)} after its scheduled time {TemplateScope.Iso(interval.End)}",
            Detail = $"deadline {TemplateScope.Iso(deadline)}; run {state}",
        });
    }

    private static List<AlertRecord> For(
        AlertRouting routing, WorkflowDefinition workflow, AlertEvent alertEvent, string subject, DateTimeOffset now, Func<AlertRecord, AlertRecord> fill)
    {
        var channels = routing.ChannelsFor(workflow, alertEvent);
        var alerts = new List<AlertRecord>(channels.Count);
        foreach (var channel in channels)
        {
            alerts.Add(fill(new AlertRecord
            {
                Id = Guid.CreateVersion7(now),
                Key = $"{WireNames.Of(alertEvent)}/{workflow.Id}/{subject}/{channel}",
                Event = alertEvent,
                Channel = channel,
                WorkflowId = workflow.Id,
                OccurredAt = now,
                NextAttemptAt = now,
            }));
        }

        return alerts;
    }

    private static string? FailedTasks(IReadOnlyList<TaskInstanceRecord> tasks)
    {
        var failed = tasks.Where(t => t.State is TaskState.Failed).Select(t => t.TaskId).ToList();
        var upstream = tasks.Count(t => t.State is TaskState.UpstreamFailed);
        return failed.Count == 0 ? null : $"failed: {string.Join(", ", failed)}" + (upstream > 0 ? $"; {upstream} upstream_failed" : "");
    }
}
