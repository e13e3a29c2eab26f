namespace Orchestrator.Core.Engine;

/// <summary>
/// The batch of records that started a run of kind <c>event</c>, stored with the run and read by templates as
/// <c>trigger.*</c>: where the batch file is (relative to the data directory), how many records it holds, and the
/// offsets of each partition.
/// </summary>
public sealed record RunTrigger
{
    /// <summary>The trigger's type as written in the workflow (<c>kafka</c>).</summary>
    public required string Type { get; init; }

    public required string Connection { get; init; }

    /// <summary>The consumer group whose offsets the batch was read and committed with.</summary>
    public required string Group { get; init; }

    /// <summary>The batch file (one JSON line per record), relative to the data directory.</summary>
    public required string Path { get; init; }

    public required int Count { get; init; }

    /// <summary>The topics of the batch's records, in order.</summary>
    public required IReadOnlyList<string> Topics { get; init; }

    /// <summary>One entry per partition of the batch.</summary>
    public required IReadOnlyList<TriggerOffsets> Offsets { get; init; }

    public bool Equals(RunTrigger? other)
        => other is not null && Type == other.Type && Connection == other.Connection && Group == other.Group && Path == other.Path
           && Count == other.Count && Topics.SequenceEqual(other.Topics) && Offsets.SequenceEqual(other.Offsets);

    public override int GetHashCode() => HashCode.Combine(Type, Connection, Group, Path, Count);
}

/// <summary>The records of one partition in a batch: first and last offset (both included) and how many there are.</summary>
public sealed record TriggerOffsets(string Topic, int Partition, long First, long Last, int Count);
