using Orchestrator.Core.Model;

namespace Orchestrator.Persistence.Entities;

/// <summary>A row of <c>runs</c>.</summary>
internal sealed class RunEntity
{
    public Guid Id { get; set; }
    public required string WorkflowId { get; set; }
    public required string WorkflowVersion { get; set; }
    public RunKind Kind { get; set; }
    public RunState State { get; set; }
    public DateTimeOffset LogicalDate { get; set; }
    public DateTimeOffset DataIntervalStart { get; set; }
    public DateTimeOffset DataIntervalEnd { get; set; }
    public required string ParamsJson { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? EndedAt { get; set; }
    public string? Error { get; set; }

    /// <summary>The batch that started an event run (<see cref="Core.Engine.RunTrigger"/> as JSON); null for other runs.</summary>
    public string? TriggerJson { get; set; }

    /// <summary>Set by a cancel request; workers stop the run's attempts at their next heartbeat.</summary>
    public DateTimeOffset? CancelRequestedAt { get; set; }

    /// <summary>
    /// Bumped by every event that writes the run's task instances (start, attempt ends, clear, stop; not claims):
    /// a node that keeps the run's progress reads only the task rows whose <see cref="TaskInstanceEntity.Revision"/>
    /// is newer than the one it has.
    /// </summary>
    public long Revision { get; set; }
}
