using Orchestrator.Core.Model;

namespace Orchestrator.Persistence.Entities;

/// <summary>A row of <c>attempts</c>.</summary>
internal sealed class AttemptEntity
{
    public Guid RunId { get; set; }
    public required string TaskId { get; set; }
    public int Number { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? EndedAt { get; set; }
    public AttemptOutcome? Outcome { get; set; }
    public string? Error { get; set; }
    public DateTimeOffset? QueuedAt { get; set; }
    public string? Worker { get; set; }
    public string? InputsJson { get; set; }
}
