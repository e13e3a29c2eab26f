namespace Orchestrator.Core.Storage;

/// <summary>What a trigger consumes: a workflow's consumer group on a connection.</summary>
public sealed record TriggerStream(string WorkflowId, string Connection, string Group);

/// <summary>The offsets of one partition that a run was created for (both ends included).</summary>
public sealed record LaunchedRange(string Topic, int Partition, long FirstOffset, long LastOffset, Guid RunId);

/// <summary>How the creation of a trigger batch's run ended.</summary>
public enum BatchRunCreation
{
    Created,

    /// <summary>A run already holds one of the batch's first offsets: nothing was created.</summary>
    AlreadyLaunched,

    /// <summary>The workflow already has a run at the run's logical date: nothing was created.</summary>
    LogicalDateTaken,
}

/// <summary>
/// The ledger that makes trigger batches start exactly one run each: every event run is created together with the
/// offset ranges of its batch, in one transaction, and a range's first offset can be launched only once. A node that
/// created a run but died before committing the offsets finds the range here when it reads the batch again.
/// </summary>
public interface ITriggerBatchStore
{
    /// <summary>
    /// Creates the event run (its <see cref="RunRecord.Trigger"/> names the stream and offsets) with its task
    /// instances and records its ranges, at once; nothing when a range's first offset was launched already.
    /// </summary>
    Task<BatchRunCreation> TryCreateBatchRunAsync(RunRecord run, IReadOnlyList<TaskInstanceRecord> tasks, CancellationToken cancellationToken);

    /// <summary>For each of <paramref name="offsets"/> (topic, partition, offset), the launched range holding it, if any.</summary>
    Task<IReadOnlyList<LaunchedRange>> FindLaunchedAsync(TriggerStream stream, IReadOnlyList<(string Topic, int Partition, long Offset)> offsets, CancellationToken cancellationToken);

    /// <summary>Whether any batch of the stream was launched: a trigger that never launched one has never committed.</summary>
    Task<bool> HasLaunchedAsync(TriggerStream stream, CancellationToken cancellationToken);
}

public static class TriggerBatches
{
    /// <summary>The stream and ranges an event run was created for.</summary>
    public static (TriggerStream Stream, IReadOnlyList<LaunchedRange> Ranges) Of(RunRecord run)
    {
        var trigger = run.Trigger ?? throw new ArgumentException($"run {run.Id} was not started by a trigger", nameof(run));
        return (new TriggerStream(run.WorkflowId, trigger.Connection, trigger.Group),
            trigger.Offsets.Select(o => new LaunchedRange(o.Topic, o.Partition, o.First, o.Last, run.Id)).ToList());
    }
}
