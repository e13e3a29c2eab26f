using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;
using Orchestrator.Core.Json;
using Orchestrator.Core.Schema;

namespace Orchestrator.Core.Model;

/// <summary>
/// A cron schedule. In JSON either a bare cron string (evaluated in UTC) or an object
/// (<see cref="ScheduleObject"/>) with timezone, start/end and catch-up.
/// </summary>
[JsonConverter(typeof(ScheduleConverter))]
public sealed record ScheduleDefinition
{
    public required string Cron { get; init; }
    public string Timezone { get; init; } = "UTC";
    public DateTimeOffset? Start { get; init; }
    public DateTimeOffset? End { get; init; }
    public bool Catchup { get; init; }

    /// <summary>True when the object form carries nothing beyond the cron, so the short string form round-trips.</summary>
    internal bool IsBareCron => Timezone == "UTC" && Start is null && End is null && !Catchup;
}

/// <summary>The object form of <c>schedule</c>.</summary>
public sealed record ScheduleObject
{
    [Description("Cron expression: 5 fields (minute hour day month weekday), 6 with leading seconds, or a macro such as @hourly.")]
    [SchemaFormat(SchemaFormats.Cron)]
    public required string Cron { get; init; }

    [Description("Time zone the cron is evaluated in (DST-correct): an IANA id (Europe/Paris) or a Windows id (Romance Standard Time). Default UTC.")]
    [SchemaFormat(SchemaFormats.TimeZone)]
    public string? Timezone { get; init; }

    [Description("No run has a logical date before this instant.")]
    public DateTimeOffset? Start { get; init; }

    [Description("No run has a logical date after this instant.")]
    public DateTimeOffset? End { get; init; }

    [Description("true: one run per missed interval; false: only the latest.")]
    public bool? Catchup { get; init; }
}

internal sealed class ScheduleConverter : JsonConverter<ScheduleDefinition>
{
    public override ScheduleDefinition Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return new ScheduleDefinition { Cron = reader.GetString()! };
        }

        var obj = JsonSerializer.Deserialize(ref reader, OrchestratorJsonContext.Default.ScheduleObject)
            ?? throw new JsonException("schedule must be a cron string or an object.");
        return new ScheduleDefinition
        {
            Cron = obj.Cron,
            Timezone = obj.Timezone ?? "UTC",
            Start = obj.Start,
            End = obj.End,
            Catchup = obj.Catchup ?? false,
        };
    }

    public override void Write(Utf8JsonWriter writer, ScheduleDefinition value, JsonSerializerOptions options)
    {
        if (value.IsBareCron)
        {
            writer.WriteStringValue(value.Cron);
            return;
        }

        var obj = new ScheduleObject
        {
            Cron = value.Cron,
            Timezone = value.Timezone,
            Start = value.Start,
            End = value.End,
            Catchup = value.Catchup ? true : null,
        };
        JsonSerializer.Serialize(writer, obj, OrchestratorJsonContext.Default.ScheduleObject);
    }
}
