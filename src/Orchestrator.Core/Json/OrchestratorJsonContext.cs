using System.Text.Json;
using System.Text.Json.Serialization;
using Orchestrator.Core.Model;

namespace Orchestrator.Core.Json;

/// <summary>The one source-generated JSON context of the model: camelCase, unknown properties rejected, ISO 8601 durations.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    NumberHandling = JsonNumberHandling.Strict,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowDuplicateProperties = false,
    WriteIndented = true,
    IndentSize = 2,
    Converters = [typeof(IsoDurationConverter)])]
[JsonSerializable(typeof(WorkflowDefinition))]
[JsonSerializable(typeof(ScheduleObject))]
[JsonSerializable(typeof(ParamDefinition))]
[JsonSerializable(typeof(Engine.RunTrigger))]
[JsonSerializable(typeof(System.Text.Json.Nodes.JsonObject))]
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
[JsonSerializable(typeof(string))]
public sealed partial class OrchestratorJsonContext : JsonSerializerContext;

/// <summary>Shared serializer options.</summary>
public static class OrchestratorJson
{
    /// <summary>Options for the workflow model (source-generated).</summary>
    public static JsonSerializerOptions Model => OrchestratorJsonContext.Default.Options;

    /// <summary>
    /// Options for activity input and output records, which live in several assemblies: same conventions
    /// as the model, resolved by reflection.
    /// </summary>
    public static JsonSerializerOptions Activities { get; } = CreateActivityOptions();

    private static JsonSerializerOptions CreateActivityOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            NumberHandling = JsonNumberHandling.Strict,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
            TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
        };
        options.Converters.Add(new IsoDurationConverter());
        options.MakeReadOnly();
        return options;
    }
}
