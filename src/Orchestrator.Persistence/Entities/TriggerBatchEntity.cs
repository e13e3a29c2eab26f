namespace Orchestrator.Persistence.Entities;

/// <summary>
/// A row of <c>trigger_batches</c>: the offsets of one partition that an event run was created for, written in the
/// transaction that creates the run. The key makes a batch's first offset launchable once per consumer group.
/// </summary>
internal sealed class TriggerBatchEntity
{
    public required string WorkflowId { get; set; }
    public required string Connection { get; set; }
    public required string ConsumerGroup { get; set; }
    public required string Topic { get; set; }
    public int Partition { get; set; }
    public long FirstOffset { get; set; }
    public long LastOffset { get; set; }
    public Guid RunId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
