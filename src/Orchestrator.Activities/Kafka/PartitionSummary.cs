using System.ComponentModel;
using Orchestrator.Activities.Streams;

namespace Orchestrator.Activities.Kafka;

/// <summary>Where the records of one partition went (or came from): the offsets, both ends included, and how many.</summary>
public sealed record PartitionSummary
{
    [Description("Topic name.")]
    public required string Topic { get; init; }

    [Description("Partition number.")]
    public required int Partition { get; init; }

    [Description("Lowest offset.")]
    public required long FirstOffset { get; init; }

    [Description("Highest offset.")]
    public required long LastOffset { get; init; }

    [Description("Records of this activity in the range (other producers may have written between them).")]
    public required long Count { get; init; }
}

/// <summary>Merges the ranges of several sends or reads into one summary per partition.</summary>
internal sealed class PartitionTally
{
    private readonly SortedDictionary<(string Topic, int Partition), PartitionSummary> _byPartition = new();

    public void Add(IEnumerable<PartitionRange> ranges)
    {
        foreach (var range in ranges)
        {
            var key = (range.Topic, range.Partition);
            _byPartition[key] = _byPartition.TryGetValue(key, out var seen)
                ? seen with
                {
                    FirstOffset = Math.Min(seen.FirstOffset, range.FirstOffset),
                    LastOffset = Math.Max(seen.LastOffset, range.LastOffset),
                    Count = seen.Count + range.Count,
                }
                : new PartitionSummary { Topic = range.Topic, Partition = range.Partition, FirstOffset = range.FirstOffset, LastOffset = range.LastOffset, Count = range.Count };
        }
    }

    public IReadOnlyList<PartitionSummary> Summaries => [.. _byPartition.Values];
}
