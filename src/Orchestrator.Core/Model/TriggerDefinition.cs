using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Orchestrator.Core.Model;

/// <summary>
/// An event trigger: records arriving on a stream start runs of the workflow, one run per batch. The server reads
/// the batch, writes it to a file in the data directory and starts a run of kind <c>event</c> that sees it as
/// <c>trigger.*</c>; the batch's offsets are committed only once the run exists.
/// </summary>
public sealed record TriggerDefinition
{
    /// <summary>The consumer group of a trigger that names none.</summary>
    public const string DefaultGroupPrefix = "orchestrator.";

    public const int DefaultBatchSize = 1000;

    public static readonly TimeSpan DefaultMaxWait = TimeSpan.FromSeconds(30);

    /// <summary>Kafka topic names: letters, digits, '.', '_' and '-'.</summary>
    public const string TopicPattern = "^[A-Za-z0-9._-]{1,249}$";

    /// <summary>Consumer group names, kept to what is safe in a file name too (the local log keeps one per group).</summary>
    public const string GroupPattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,248}$";

    [Description("kafka: batches of records of a topic start runs (on a kafka connection or the embedded local event log).")]
    public required TriggerType Type { get; init; }

    [Description("Name of a kafka or local connection configured on the server (the embedded default is 'events').")]
    public required string Connection { get; init; }

    [Description("The topic to read; or give topics.")]
    [RegularExpression(TopicPattern)]
    public string? Topic { get; init; }

    [Description("Several topics to read in one consumer; or give topic.")]
    [RegularExpression(TopicPattern)]
    [MinLength(1)]
    public IReadOnlyList<string>? Topics { get; init; }

    [Description("Consumer group whose committed offsets say what was launched. Default orchestrator.<workflow id>.")]
    [RegularExpression(GroupPattern)]
    public string? Group { get; init; }

    [Description("Most records in one batch (one run). Default 1000.")]
    [Range(1, 100_000)]
    public int? BatchSize { get; init; }

    [Description("Longest wait for a batch to fill before a smaller one starts a run (ISO 8601 duration). Default PT30S.")]
    public TimeSpan? MaxWait { get; init; }

    [Description("Where a consumer group that never committed starts: earliest (default: the oldest record kept), latest (only records that arrive later) or committed (the group's commits, else earliest).")]
    public TriggerStart? Start { get; init; }

    /// <summary>The topics read: <see cref="Topic"/> or <see cref="Topics"/>.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> AllTopics => Topic is { } one ? [one, .. (Topics ?? []).Where(t => t != one)] : Topics ?? [];

    public string GroupFor(string workflowId) => Group ?? DefaultGroupPrefix + workflowId;

    [JsonIgnore]
    public int EffectiveBatchSize => BatchSize ?? DefaultBatchSize;

    [JsonIgnore]
    public TimeSpan EffectiveMaxWait => MaxWait ?? DefaultMaxWait;

    public bool Equals(TriggerDefinition? other)
        => other is not null && Type == other.Type && Connection == other.Connection && Topic == other.Topic
           && (Topics ?? []).SequenceEqual(other.Topics ?? []) && Group == other.Group && BatchSize == other.BatchSize
           && MaxWait == other.MaxWait && Start == other.Start;

    public override int GetHashCode() => HashCode.Combine(Type, Connection, Topic, Group, BatchSize, MaxWait, Start);
}

[JsonConverter(typeof(JsonStringEnumConverter<TriggerType>))]
public enum TriggerType
{
    [JsonStringEnumMemberName("kafka")] Kafka,
}

/// <summary>Where the consumer of a group that never committed starts.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TriggerStart>))]
public enum TriggerStart
{
    [JsonStringEnumMemberName("earliest")] Earliest,
    [JsonStringEnumMemberName("committed")] Committed,
    [JsonStringEnumMemberName("latest")] Latest,
}
