using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Server.Observability;
using Orchestrator.Server.Workflows;

namespace Orchestrator.Server.Scheduling;

/// <summary>
/// Keeps one trigger (<see cref="IScheduleTriggers"/>) per scheduled, active, unpaused workflow, at the end of its next
/// data interval.
/// On start, when a workflow changes or is unpaused and whenever its trigger fires, it first catches up from the
/// workflow's cursor (<see cref="ScheduleCatchup"/>). A sweep re-arms triggers that are missing or overdue — a
/// firing that failed while the database was away — and continues catch-ups left for a later batch, which also
/// resume as soon as a run of the workflow ends on this node.
/// </summary>
public sealed partial class WorkflowScheduler(
    WorkflowCatalog catalog,
    ScheduleCatchup catchup,
    IWorkflowStateStore states,
    IScheduleTriggers triggers,
    RunEventHub events,
    IOptions<SchedulerOptions> options,
    TimeProvider time,
    ILogger<WorkflowScheduler> logger) : BackgroundService
{
    private readonly Channel<string> _changed = Channel.CreateUnbounded<string>();
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Workflows whose catch-up is not complete or whose last rescheduling failed.</summary>
    private readonly ConcurrentDictionary<string, byte> _pending = new(StringComparer.Ordinal);

    /// <summary>Workflows whose schedule is over: nothing to arm until they change.</summary>
    private readonly ConcurrentDictionary<string, byte> _ended = new(StringComparer.Ordinal);

    /// <summary>True once every workflow of the folder has been scheduled (readiness).</summary>
    public bool Started { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        catalog.Changed += OnChanged;
        using var subscription = events.Subscribe();
        try
        {
            foreach (var entry in catalog.Workflows)
            {
                await TryRescheduleAsync(entry.WorkflowId, null, stoppingToken).ConfigureAwait(false);
            }

            Started = true;
            var sweep = SweepAsync(stoppingToken);
            var runEnds = WakeOnRunEndsAsync(subscription, stoppingToken);
            await foreach (var workflowId in _changed.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                await TryRescheduleAsync(workflowId, null, stoppingToken).ConfigureAwait(false);
            }

            await Task.WhenAll(sweep, runEnds).ConfigureAwait(false);
        }
        finally
        {
            catalog.Changed -= OnChanged;
        }
    }

    public void OnChanged(string workflowId)
    {
        _ended.TryRemove(workflowId, out _);
        _changed.Writer.TryWrite(workflowId);
    }

    /// <summary>The next fire time of a workflow, or null when it has none (manual, paused, inactive, ended).</summary>
    public Task<DateTimeOffset?> NextFireAsync(string workflowId, CancellationToken cancellationToken) => triggers.NextFireAsync(workflowId, cancellationToken);

    /// <summary>Catches up missed intervals, then arms the trigger of the next one (or removes it).</summary>
    public Task RescheduleAsync(string workflowId, CancellationToken cancellationToken) => RescheduleAsync(workflowId, null, cancellationToken);

    /// <summary>As <see cref="RescheduleAsync(string, CancellationToken)"/>; a failure is logged and left to the sweep.</summary>
    public async Task TryRescheduleAsync(string workflowId, DateTimeOffset? firedAt, CancellationToken cancellationToken)
    {
        try
        {
            await RescheduleAsync(workflowId, firedAt, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogRescheduleFailed(logger, workflowId, e);
        }
    }

    private async Task RescheduleAsync(string workflowId, DateTimeOffset? firedAt, CancellationToken cancellationToken)
    {
        // One at a time: the start-up pass, changes, pause and unpause otherwise race, and a reschedule that read
        // "not paused" could arm a trigger after a pause had removed it.
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _pending[workflowId] = 0;
            if (await RescheduleOneAsync(workflowId, firedAt, cancellationToken).ConfigureAwait(false))
            {
                _pending.TryRemove(workflowId, out _);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>True when the workflow is caught up and armed (or needs no trigger).</summary>
    private async Task<bool> RescheduleOneAsync(string workflowId, DateTimeOffset? firedAt, CancellationToken cancellationToken)
    {
        var entry = catalog.Find(workflowId);
        var paused = (await states.PausedAsync(cancellationToken).ConfigureAwait(false)).Contains(workflowId);
        if (entry is not { Active: true, Plan: { Definition.Schedule: not null } plan } || paused)
        {
            await UnscheduleAsync(workflowId, cancellationToken).ConfigureAwait(false);
            return true;
        }

        // One clock read per arming: the intervals caught up and the one armed are cut at the same instant, so an
        // interval that ends in between is neither skipped nor run twice. A trigger is never handled before its time.
        var now = time.GetUtcNow();
        if (firedAt > now)
        {
            now = firedAt.Value;
        }

        var progress = await states.ScheduleProgressAsync(workflowId, now, cancellationToken).ConfigureAwait(false);
        if (Timetable.For(plan.Definition, progress.FirstSeen) is not { } timetable)
        {
            await UnscheduleAsync(workflowId, cancellationToken).ConfigureAwait(false);
            return true;
        }

        var caughtUp = await catchup.CatchUpAsync(plan, timetable, progress, now, cancellationToken).ConfigureAwait(false);
        await ArmAsync(workflowId, timetable.NextEndingAfter(now), cancellationToken).ConfigureAwait(false);
        return caughtUp;
    }

    private async Task ArmAsync(string workflowId, DataInterval? next, CancellationToken cancellationToken)
    {
        if (next is not { } interval)
        {
            _ended[workflowId] = 0;
            await UnscheduleAsync(workflowId, cancellationToken).ConfigureAwait(false);
            return;
        }

        await triggers.ArmAsync(workflowId, interval, cancellationToken).ConfigureAwait(false);
        LogArmed(logger, workflowId, interval.Start, interval.End);
    }

    private Task UnscheduleAsync(string workflowId, CancellationToken cancellationToken) => triggers.RemoveAsync(workflowId, cancellationToken);

    private async Task SweepAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.SweepInterval;
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                var paused = await states.PausedAsync(stoppingToken).ConfigureAwait(false);
                var overdue = time.GetUtcNow() - interval;
                foreach (var entry in catalog.Workflows)
                {
                    if (entry is not { Active: true, Plan.Definition.Schedule: not null } || paused.Contains(entry.WorkflowId) || _ended.ContainsKey(entry.WorkflowId))
                    {
                        continue;
                    }

                    if (_pending.ContainsKey(entry.WorkflowId) || await NextFireAsync(entry.WorkflowId, stoppingToken).ConfigureAwait(false) is not { } next || next < overdue)
                    {
                        _changed.Writer.TryWrite(entry.WorkflowId);
                    }
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogSweepFailed(logger, e.Message);
            }
        }
    }

    private async Task WakeOnRunEndsAsync(RunEventHub.Subscription subscription, CancellationToken stoppingToken)
    {
        await foreach (var e in subscription.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            if (e is RunStateChanged { WorkflowId: var workflowId } changed && changed.State.IsFinal() && _pending.ContainsKey(workflowId))
            {
                _changed.Writer.TryWrite(workflowId);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Workflow {WorkflowId}: next scheduled run for {LogicalDate:O} fires at {FireAt:O}")]
    private static partial void LogArmed(ILogger logger, string workflowId, DateTimeOffset logicalDate, DateTimeOffset fireAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workflow {WorkflowId}: scheduling failed; retried at the next sweep")]
    private static partial void LogRescheduleFailed(ILogger logger, string workflowId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schedule sweep failed ({Error}); retried at the next one")]
    private static partial void LogSweepFailed(ILogger logger, string error);
}
