using System.Globalization;
using System.Threading.Channels;
using Orchestrator.Engine;
using Orchestrator.Model;
using Orchestrator.Server.Execution;
using Orchestrator.Server.Workflows;
using Orchestrator.Storage;
using Quartz;

namespace Orchestrator.Server.Scheduling;

/// <summary>
/// Keeps one Quartz trigger per scheduled, active, unpaused workflow, at the end of its next data interval.
/// On start and whenever a workflow changes or is unpaused it first catches up: with <c>catchup: true</c> one run
/// per missed interval since the last scheduled run (or since <c>start</c>), otherwise only the latest missed one.
/// Runs beyond <c>maxActiveRuns</c> wait queued.
/// </summary>
public sealed partial class WorkflowScheduler(
    WorkflowCatalog catalog,
    RunLauncher launcher,
    IRunStore runs,
    IWorkflowStateStore states,
    ISchedulerFactory schedulers,
    TimeProvider time,
    ILogger<WorkflowScheduler> logger) : BackgroundService
{
    private const string Group = "scheduled";
    private readonly Channel<string> _changed = Channel.CreateUnbounded<string>();
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>True once every workflow of the folder has been scheduled (readiness).</summary>
    public bool Started { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        catalog.Changed += OnChanged;
        try
        {
            foreach (var entry in catalog.Workflows)
            {
                await RescheduleAsync(entry.WorkflowId, stoppingToken).ConfigureAwait(false);
            }

            Started = true;
            await foreach (var workflowId in _changed.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                await RescheduleAsync(workflowId, stoppingToken).ConfigureAwait(false);
            }
        }
        finally
        {
            catalog.Changed -= OnChanged;
        }
    }

    public void OnChanged(string workflowId) => _changed.Writer.TryWrite(workflowId);

    /// <summary>The next fire time of a workflow, or null when it has none (manual, paused, inactive, ended).</summary>
    public async Task<DateTimeOffset?> NextFireAsync(string workflowId, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken).ConfigureAwait(false);
        var trigger = await scheduler.GetTrigger(new TriggerKey(workflowId, Group), cancellationToken).ConfigureAwait(false);
        return trigger?.NextFireTimeUtc;
    }

    /// <summary>Catches up missed intervals, then arms the trigger of the next one (or removes it).</summary>
    public async Task RescheduleAsync(string workflowId, CancellationToken cancellationToken)
    {
        // One at a time: the start-up pass, changes, pause and unpause otherwise race, and a reschedule that read
        // "not paused" could arm a trigger after a pause had removed it.
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await RescheduleOneAsync(workflowId, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task RescheduleOneAsync(string workflowId, CancellationToken cancellationToken)
    {
        var entry = catalog.Find(workflowId);
        var paused = (await states.PausedAsync(cancellationToken).ConfigureAwait(false)).Contains(workflowId);
        if (entry?.Plan?.Definition.Schedule is not { } schedule || !entry.Active || paused)
        {
            await UnscheduleAsync(workflowId, cancellationToken).ConfigureAwait(false);
            return;
        }

        var definition = entry.Plan.Definition;
        var now = time.GetUtcNow();
        var last = await LastScheduledIntervalEndAsync(workflowId, cancellationToken).ConfigureAwait(false);
        var missed = DataIntervals.EndingBetween(definition, last ?? DateTimeOffset.MinValue, now).ToList();
        var toLaunch = schedule.Catchup ? missed : missed.TakeLast(1).ToList();
        foreach (var interval in toLaunch)
        {
            await launcher.LaunchAsync(workflowId, RunKind.Scheduled, interval.Start, null, cancellationToken).ConfigureAwait(false);
        }

        await ArmNextAsync(workflowId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Arms the trigger at the end of the next interval that has not ended yet.</summary>
    public async Task ArmNextAsync(string workflowId, CancellationToken cancellationToken)
    {
        var entry = catalog.Find(workflowId);
        var paused = (await states.PausedAsync(cancellationToken).ConfigureAwait(false)).Contains(workflowId);
        if (entry is not { Active: true, Plan: { } plan } || paused
            || DataIntervals.NextEndingAfter(plan.Definition, time.GetUtcNow()) is not { } next)
        {
            // Paused, deactivated or past its end since the last firing: nothing more to arm.
            await UnscheduleAsync(workflowId, cancellationToken).ConfigureAwait(false);
            return;
        }

        var scheduler = await schedulers.GetScheduler(cancellationToken).ConfigureAwait(false);
        var job = JobBuilder.Create<ScheduledRunJob>()
            .WithIdentity(workflowId, Group)
            .StoreDurably()
            .Build();
        var trigger = TriggerBuilder.Create()
            .WithIdentity(workflowId, Group)
            .ForJob(job)
            .UsingJobData(ScheduledRunJob.WorkflowKey, workflowId)
            .UsingJobData(ScheduledRunJob.LogicalDateKey, next.Start.ToString("O", CultureInfo.InvariantCulture))
            .StartAt(next.End)
            .WithSimpleSchedule(s => s.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
            .Build();
        await scheduler.ScheduleJob(job, [trigger], ScheduleJobOptions.Replacing, cancellationToken).ConfigureAwait(false);
        LogArmed(logger, workflowId, next.Start, next.End);
    }

    private async Task UnscheduleAsync(string workflowId, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken).ConfigureAwait(false);
        await scheduler.DeleteJob(new JobKey(workflowId, Group), cancellationToken).ConfigureAwait(false);
    }

    private async Task<DateTimeOffset?> LastScheduledIntervalEndAsync(string workflowId, CancellationToken cancellationToken)
    {
        var recent = await runs.ListAsync(new RunFilter(workflowId), new Page(0, 500), cancellationToken).ConfigureAwait(false);
        return recent.Where(r => r.Kind is RunKind.Scheduled).Select(r => (DateTimeOffset?)r.DataIntervalEnd).Max();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Workflow {WorkflowId}: next scheduled run for {LogicalDate:O} fires at {FireAt:O}")]
    private static partial void LogArmed(ILogger logger, string workflowId, DateTimeOffset logicalDate, DateTimeOffset fireAt);
}
