using Orchestrator.Core.Engine;

namespace Orchestrator.Server.Scheduling;

/// <summary>
/// The one trigger per scheduled workflow that fires at the end of its next data interval, armed by the
/// <see cref="WorkflowScheduler"/>; a fire goes to <see cref="ScheduleFiring"/>. One node (SQLite) keeps them as timers
/// (<see cref="TimerScheduleTriggers"/>); several nodes (PostgreSQL) in Quartz's clustered store
/// (<see cref="QuartzScheduleTriggers"/>), which fires each on one node.
/// </summary>
public interface IScheduleTriggers
{
    /// <summary>Arms (or re-arms) the workflow's trigger at the end of <paramref name="interval"/>; a time already past fires at once.</summary>
    Task ArmAsync(string workflowId, DataInterval interval, CancellationToken cancellationToken);

    /// <summary>Removes the workflow's trigger, if any.</summary>
    Task RemoveAsync(string workflowId, CancellationToken cancellationToken);

    /// <summary>When the workflow's trigger fires, or null when none is armed.</summary>
    Task<DateTimeOffset?> NextFireAsync(string workflowId, CancellationToken cancellationToken);
}
