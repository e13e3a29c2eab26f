using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orchestrator.Core.Model;

/// <summary>A run parameter: a JSON-Schema-like type with default and constraints, checked when a run is triggered.</summary>
public sealed record ParamDefinition
{
    [Description("JSON type of the value.")]
    public required ParamType Type { get; init; }

    [Description("Value used when the trigger gives none; a param without default is required.")]
    public JsonElement? Default { get; init; }

    [Description("What the param means, shown in the trigger form.")]
    public string? Description { get; init; }

    [Description("Allowed values (at least one).")]
    [System.ComponentModel.DataAnnotations.MinLength(1)]
    public IReadOnlyList<JsonElement>? Enum { get; init; }

    [Description("Lowest allowed number.")]
    public decimal? Minimum { get; init; }

    [Description("Highest allowed number.")]
    public decimal? Maximum { get; init; }

    [Description("Shortest allowed string.")]
    public int? MinLength { get; init; }

    [Description("Longest allowed string.")]
    public int? MaxLength { get; init; }

    [Description("Regular expression a string must match.")]
    public string? Pattern { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<ParamType>))]
public enum ParamType
{
    [JsonStringEnumMemberName("string")] String,
    [JsonStringEnumMemberName("integer")] Integer,
    [JsonStringEnumMemberName("number")] Number,
    [JsonStringEnumMemberName("boolean")] Boolean,
    [JsonStringEnumMemberName("array")] Array,
    [JsonStringEnumMemberName("object")] Object,
}
