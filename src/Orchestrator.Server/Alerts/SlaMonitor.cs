using Microsoft.Extensions.Options;
using Orchestrator.Activities.Alerts;
using Orchestrator.Core.Alerts;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Server.Workflows;

namespace Orchestrator.Server.Alerts;

/// <summary>
/// Finds runs that missed their workflow's <c>sla</c>: a scheduled interval whose run was not finished <c>sla</c>
/// after the interval's fire time — also when the run never started or was never created (the scheduler was
/// down, <c>maxActiveRuns</c> held it back). Each miss becomes <c>sla_missed</c> alerts once: their key is the
/// workflow and logical date, so nodes checking the same deadline add them once. Only deadlines after the
/// workflow's first version reached the server count (a new workflow has no history of misses), and none older
/// than <see cref="AlertOptions.SlaLookback"/> before this node started.
/// </summary>
public sealed partial class SlaMonitor(
    WorkflowCatalog catalog,
    IRunStore runs,
    IWorkflowVersionStore versions,
    IWorkflowStateStore states,
    IAlertOutbox outbox,
    AlertRouting routing,
    IOptions<AlertOptions> options,
    TimeProvider time,
    ILogger<SlaMonitor> logger)
{
    private readonly Dictionary<string, DateTimeOffset> _checkedThrough = new(StringComparer.Ordinal);
    private readonly DateTimeOffset _startedAt = time.GetUtcNow();

    /// <summary>Checks every deadline that passed since the last check; returns the number of alerts added.</summary>
    public async Task<int> CheckAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var paused = await states.PausedAsync(cancellationToken).ConfigureAwait(false);
        var added = 0;
        foreach (var entry in catalog.Workflows)
        {
            if (entry is not { Active: true, Plan.Definition: { Sla: { } sla, Schedule: not null } definition } || paused.Contains(entry.WorkflowId)
                || !routing.Wants(definition, AlertEvent.SlaMissed))
            {
                continue;
            }

            if (!_checkedThrough.TryGetValue(entry.WorkflowId, out var since))
            {
                var known = await versions.ListAsync(entry.WorkflowId, cancellationToken).ConfigureAwait(false);
                var lookback = _startedAt - options.Value.SlaLookback;
                since = known.Count > 0 && known.Min(v => v.CreatedAt) is var first && first > lookback ? first : lookback;
            }

            // Deadlines in (since, now]: intervals ending in (since - sla, now - sla], found from the cron directly
            // rather than walked from the schedule's start (a minutely schedule has half a million ticks a year).
            var after = since - sla;
            var firstSeen = (await states.ScheduleProgressAsync(entry.WorkflowId, now, cancellationToken).ConfigureAwait(false)).FirstSeen;
            var timetable = Timetable.For(definition, firstSeen);
            while (timetable?.NextEndingAfter(after) is { } interval && interval.End <= now - sla)
            {
                after = interval.End;
                var deadline = interval.End + sla;
                var run = (await runs.ListAsync(new RunFilter(entry.WorkflowId, LogicalDate: interval.Start), new Page(0, 1), cancellationToken).ConfigureAwait(false))
                    .FirstOrDefault();
                if (run is { EndedAt: { } ended } && ended <= deadline)
                {
                    continue;
                }

                var count = await outbox.AddAsync(AlertDetector.SlaMissed(routing, definition, interval, deadline, run, now), cancellationToken).ConfigureAwait(false);
                if (count > 0)
                {
                    LogMissed(logger, entry.WorkflowId, interval.Start, deadline);
                }

                added += count;
            }

            _checkedThrough[entry.WorkflowId] = now;
        }

        return added;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workflow {WorkflowId}: the run of {LogicalDate} missed its SLA (deadline {Deadline})")]
    private static partial void LogMissed(ILogger logger, string workflowId, DateTimeOffset logicalDate, DateTimeOffset deadline);
}

/// <summary>Runs <see cref="SlaMonitor"/> every <see cref="AlertOptions.SlaCheckInterval"/>.</summary>
public sealed partial class SlaMonitorService(SlaMonitor monitor, IOptions<AlertOptions> options, TimeProvider time, ILogger<SlaMonitorService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SlaCheckInterval, time);
        do
        {
            try
            {
                await monitor.CheckAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogCheckFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "SLA check failed; retrying at the next interval")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);
}
