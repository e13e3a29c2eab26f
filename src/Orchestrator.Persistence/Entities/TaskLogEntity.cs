using Microsoft.Extensions.Logging;

namespace Orchestrator.Persistence.Entities;

/// <summary>A row of <c>task_logs</c>.</summary>
internal sealed class TaskLogEntity
{
    public long Id { get; set; }
    public Guid RunId { get; set; }
    public required string TaskId { get; set; }
    public int Attempt { get; set; }
    public long Sequence { get; set; }
    public DateTimeOffset Timestamp { get; set; }
    public LogLevel Level { get; set; }
    public required string Message { get; set; }
}
