using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Server.Execution;

namespace Orchestrator.Server.Scheduling;

/// <summary>
/// Creates the scheduled runs of the intervals that ended since the workflow's cursor (the end of the last interval
/// it created a run for), moving the cursor with each. With <c>catchup: false</c> only the latest ended interval;
/// with <c>catchup: true</c> every missed one, oldest first, in batches no larger than the room
/// <c>maxActiveRuns</c> leaves, so a long span becomes runs as earlier ones finish instead of all at once.
/// </summary>
public sealed partial class ScheduleCatchup(RunLauncher launcher, IRunStore runs, IWorkflowStateStore states, ILogger<ScheduleCatchup> logger)
{
    /// <summary>Catches up to <paramref name="now"/>; false when intervals remain for a later batch.</summary>
    public async Task<bool> CatchUpAsync(WorkflowPlan plan, Timetable timetable, ScheduleProgress progress, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var workflowId = plan.WorkflowId;
        var cursor = progress.Cursor ?? await LastScheduledIntervalEndAsync(workflowId, cancellationToken).ConfigureAwait(false);
        if (!plan.Definition.Schedule!.Catchup)
        {
            if (timetable.LatestEndedBy(now) is { } latest && !(cursor >= latest.End))
            {
                await LaunchAsync(workflowId, latest, cancellationToken).ConfigureAwait(false);
            }

            return true;
        }

        var limit = MaxActiveRuns(plan);
        var room = limit - await ActiveRunsAsync(workflowId, limit, cancellationToken).ConfigureAwait(false);
        foreach (var interval in timetable.EndingBetween(cursor ?? DateTimeOffset.MinValue, now))
        {
            if (room <= 0)
            {
                return false;
            }

            await LaunchAsync(workflowId, interval, cancellationToken).ConfigureAwait(false);
            room--;
        }

        return true;
    }

    private async Task LaunchAsync(string workflowId, DataInterval interval, CancellationToken cancellationToken)
    {
        var result = await launcher.LaunchAsync(workflowId, RunKind.Scheduled, interval.Start, null, cancellationToken).ConfigureAwait(false);
        if (result.Failure is { } failure and not LaunchFailure.DuplicateLogicalDate)
        {
            // The interval is passed over rather than retried forever: its failure does not heal by itself.
            LogNotLaunched(logger, workflowId, interval.Start, failure, string.Join("; ", result.Errors ?? []));
        }

        await states.AdvanceScheduleCursorAsync(workflowId, interval.End, cancellationToken).ConfigureAwait(false);
    }

    private static int MaxActiveRuns(WorkflowPlan plan) => plan.Definition.Concurrency?.MaxActiveRuns ?? plan.Defaults.MaxActiveRuns;

    /// <summary>Queued and running runs of the workflow, counted up to <paramref name="limit"/> each.</summary>
    private async Task<int> ActiveRunsAsync(string workflowId, int limit, CancellationToken cancellationToken)
    {
        var queued = await runs.ListAsync(new RunFilter(workflowId, RunState.Queued), new Page(0, limit), cancellationToken).ConfigureAwait(false);
        var running = await runs.ListAsync(new RunFilter(workflowId, RunState.Running), new Page(0, limit), cancellationToken).ConfigureAwait(false);
        return queued.Count + running.Count;
    }

    /// <summary>Databases from before the cursor existed: the latest scheduled run stands in for it.</summary>
    private async Task<DateTimeOffset?> LastScheduledIntervalEndAsync(string workflowId, CancellationToken cancellationToken)
    {
        var recent = await runs.ListAsync(new RunFilter(workflowId), new Page(0, 500), cancellationToken).ConfigureAwait(false);
        return recent.Where(r => r.Kind is RunKind.Scheduled).Select(r => (DateTimeOffset?)r.DataIntervalEnd).Max();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workflow {WorkflowId}: no scheduled run for {LogicalDate:O} ({Failure}): {Errors}")]
    private static partial void LogNotLaunched(ILogger logger, string workflowId, DateTimeOffset logicalDate, LaunchFailure failure, string errors);
}
