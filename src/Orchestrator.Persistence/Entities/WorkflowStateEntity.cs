namespace Orchestrator.Persistence.Entities;

/// <summary>A row of <c>workflow_states</c>: server-side state of a workflow that is not in its file.</summary>
internal sealed class WorkflowStateEntity
{
    public required string WorkflowId { get; set; }
    public bool Paused { get; set; }
}
