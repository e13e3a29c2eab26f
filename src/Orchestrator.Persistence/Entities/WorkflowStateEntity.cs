namespace Orchestrator.Persistence.Entities;

/// <summary>A row of <c>workflow_states</c>: server-side state of a workflow that is not in its file.</summary>
internal sealed class WorkflowStateEntity
{
    public required string WorkflowId { get; set; }
    public bool Paused { get; set; }

    /// <summary>When the scheduler first saw the workflow scheduled: the start of a schedule without <c>start</c>.</summary>
    public DateTimeOffset? FirstSeenAt { get; set; }

    /// <summary>The end of the last interval the scheduler created a run for.</summary>
    public DateTimeOffset? ScheduleCursor { get; set; }
}
