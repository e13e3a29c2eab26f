using System.Buffers;
using System.Text.Json;
using Orchestrator.Core.Storage;
using Orchestrator.Persistence.Entities;

namespace Orchestrator.Persistence.Stores;

/// <summary>Converts between the Core records and the rows that hold them.</summary>
internal static class RecordMapping
{
    /// <summary>The model's JSON conventions, on one line: the trigger of a run as stored in <c>runs.trigger_json</c>.</summary>
    private static readonly System.Text.Json.Serialization.Metadata.JsonTypeInfo<Core.Engine.RunTrigger> TriggerJson =
        (System.Text.Json.Serialization.Metadata.JsonTypeInfo<Core.Engine.RunTrigger>)new JsonSerializerOptions(Core.Json.OrchestratorJsonContext.Default.Options) { WriteIndented = false }
            .GetTypeInfo(typeof(Core.Engine.RunTrigger));

    public static WorkflowVersionEntity ToEntity(WorkflowVersionRecord v) => new()
    {
        WorkflowId = v.WorkflowId,
        Version = v.Version,
        DefinitionJson = v.DefinitionJson,
        CreatedAt = v.CreatedAt,
    };

    public static WorkflowVersionRecord ToRecord(WorkflowVersionEntity e) => new(e.WorkflowId, e.Version, e.DefinitionJson, e.CreatedAt);

    public static RunEntity ToEntity(RunRecord r) => new()
    {
        Id = r.Id,
        WorkflowId = r.WorkflowId,
        WorkflowVersion = r.WorkflowVersion,
        Kind = r.Kind,
        State = r.State,
        LogicalDate = r.LogicalDate,
        DataIntervalStart = r.DataIntervalStart,
        DataIntervalEnd = r.DataIntervalEnd,
        ParamsJson = WriteObject(r.Params),
        CreatedAt = r.CreatedAt,
        StartedAt = r.StartedAt,
        EndedAt = r.EndedAt,
        Error = r.Error,
        TriggerJson = r.Trigger is null ? null : JsonSerializer.Serialize(r.Trigger, TriggerJson),
    };

    public static RunRecord ToRecord(RunEntity e) => new()
    {
        Id = e.Id,
        WorkflowId = e.WorkflowId,
        WorkflowVersion = e.WorkflowVersion,
        Kind = e.Kind,
        State = e.State,
        LogicalDate = e.LogicalDate,
        DataIntervalStart = e.DataIntervalStart,
        DataIntervalEnd = e.DataIntervalEnd,
        Params = ReadObject(e.ParamsJson),
        CreatedAt = e.CreatedAt,
        StartedAt = e.StartedAt,
        EndedAt = e.EndedAt,
        Error = e.Error,
        Trigger = e.TriggerJson is null ? null : JsonSerializer.Deserialize(e.TriggerJson, TriggerJson),
    };

    public static TaskInstanceEntity ToEntity(TaskInstanceRecord t, int ordinal) => new()
    {
        RunId = t.RunId,
        TaskId = t.TaskId,
        Ordinal = ordinal,
        State = t.State,
        Attempts = t.Attempts,
        MaxAttempts = t.MaxAttempts,
        NextAttemptAt = t.NextAttemptAt,
        StartedAt = t.StartedAt,
        EndedAt = t.EndedAt,
        OutputsJson = t.Outputs?.GetRawText(),
        Error = t.Error,
    };

    public static TaskInstanceRecord ToRecord(TaskInstanceEntity e) => new()
    {
        RunId = e.RunId,
        TaskId = e.TaskId,
        State = e.State,
        Attempts = e.Attempts,
        MaxAttempts = e.MaxAttempts,
        NextAttemptAt = e.NextAttemptAt,
        StartedAt = e.StartedAt,
        EndedAt = e.EndedAt,
        Outputs = e.OutputsJson is null ? null : ReadElement(e.OutputsJson),
        Error = e.Error,
    };

    public static AttemptEntity ToEntity(AttemptRecord a) => new()
    {
        RunId = a.RunId,
        TaskId = a.TaskId,
        Number = a.Number,
        StartedAt = a.StartedAt,
        EndedAt = a.EndedAt,
        Outcome = a.Outcome,
        Error = a.Error,
        QueuedAt = a.QueuedAt,
        Worker = a.Worker,
        InputsJson = a.Inputs?.GetRawText(),
    };

    public static AttemptRecord ToRecord(AttemptEntity e) => new()
    {
        RunId = e.RunId,
        TaskId = e.TaskId,
        Number = e.Number,
        StartedAt = e.StartedAt,
        EndedAt = e.EndedAt,
        Outcome = e.Outcome,
        Error = e.Error,
        QueuedAt = e.QueuedAt,
        Worker = e.Worker,
        Inputs = e.InputsJson is null ? null : ReadElement(e.InputsJson),
    };

    public static TaskLogEntity ToEntity(TaskLogLine l) => new()
    {
        RunId = l.RunId,
        TaskId = l.TaskId,
        Attempt = l.Attempt,
        Sequence = l.Sequence,
        Timestamp = l.Timestamp,
        Level = l.Level,
        Message = l.Message,
    };

    public static IEnumerable<TriggerBatchEntity> BatchesOf(RunRecord run, DateTimeOffset now)
    {
        var (stream, ranges) = TriggerBatches.Of(run);
        return ranges.Select(r => new TriggerBatchEntity
        {
            WorkflowId = stream.WorkflowId,
            Connection = stream.Connection,
            ConsumerGroup = stream.Group,
            Topic = r.Topic,
            Partition = r.Partition,
            FirstOffset = r.FirstOffset,
            LastOffset = r.LastOffset,
            RunId = r.RunId,
            CreatedAt = now,
        });
    }

    public static LaunchedRange ToRecord(TriggerBatchEntity e) => new(e.Topic, e.Partition, e.FirstOffset, e.LastOffset, e.RunId);

    public static TaskLogLine ToRecord(TaskLogEntity e) => new(e.RunId, e.TaskId, e.Attempt, e.Sequence, e.Timestamp, e.Level, e.Message);

    private static string WriteObject(IReadOnlyDictionary<string, JsonElement> values)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in values)
            {
                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static Dictionary<string, JsonElement> ReadObject(string json)
    {
        var root = ReadElement(json);
        var values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            values[property.Name] = property.Value;
        }

        return values;
    }

    private static JsonElement ReadElement(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
