using Orchestrator.Model;
using Orchestrator.Server.Execution;
using Quartz;

namespace Orchestrator.Server.Scheduling;

/// <summary>
/// Fired by Quartz at the end of a data interval: creates the scheduled run of that interval (the unique
/// (workflow, logical date) key makes a second firing harmless), then catches up and arms the next one — a fire
/// that comes late (a loaded or recovering node) must not skip the intervals that ended meanwhile.
/// </summary>
[DisallowConcurrentExecution]
public sealed class ScheduledRunJob(RunLauncher launcher, WorkflowScheduler scheduler, Observability.OrchestratorMetrics metrics, TimeProvider time) : IJob
{
    public const string WorkflowKey = "workflow";
    public const string LogicalDateKey = "logicalDate";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var workflowId = context.MergedJobDataMap.GetString(WorkflowKey)!;
        var logicalDate = DateTimeOffset.Parse(context.MergedJobDataMap.GetString(LogicalDateKey)!, System.Globalization.CultureInfo.InvariantCulture);
        await launcher.LaunchAsync(workflowId, RunKind.Scheduled, logicalDate, null, cancellationToken).ConfigureAwait(false);
        if (context.ScheduledFireTimeUtc is { } scheduled)
        {
            metrics.RecordSchedulingLag(time.GetUtcNow() - scheduled);
        }

        await scheduler.RescheduleAsync(workflowId, cancellationToken).ConfigureAwait(false);
    }
}
