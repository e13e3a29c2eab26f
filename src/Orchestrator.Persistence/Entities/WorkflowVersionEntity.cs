namespace Orchestrator.Persistence.Entities;

/// <summary>A row of <c>workflow_versions</c>.</summary>
internal sealed class WorkflowVersionEntity
{
    public required string WorkflowId { get; set; }
    public required string Version { get; set; }
    public required string DefinitionJson { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
