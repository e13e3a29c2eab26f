using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using Orchestrator.Core.Json;
using Orchestrator.Core.Model;

namespace Orchestrator.Core.Schema;

/// <summary>
/// JSON Schemas generated from C# types with <see cref="JsonSchemaExporter"/>, enriched from attributes:
/// <see cref="DescriptionAttribute"/>, <see cref="RegularExpressionAttribute"/>, <see cref="RangeAttribute"/>,
/// <see cref="MinLengthAttribute"/> and <see cref="SchemaFormatAttribute"/>. The workflow schema, the activity
/// catalog and the designer forms all come from here, so nothing is listed by hand.
/// </summary>
public static class JsonSchemas
{
    public const string Draft = "https://json-schema.org/draft/2020-12/schema";

    private static readonly JsonSchemaExporterOptions ExporterOptions = new()
    {
        TreatNullObliviousAsNonNullable = true,
        TransformSchemaNode = Transform,
    };

    /// <summary>The schema of workflow files, as committed in <c>workflows/workflow.schema.json</c>.</summary>
    public static JsonObject Workflow()
    {
        var schema = For(typeof(WorkflowDefinition), OrchestratorJson.Model);
        var root = new JsonObject
        {
            ["$schema"] = Draft,
            ["$id"] = "https://orchestrator.dev/schemas/workflow.schema.json",
            ["title"] = "Orchestrator workflow",
            ["description"] = "A workflow definition: a DAG of tasks with schedule, params, retry policy and alerts.",
        };
        foreach (var (key, value) in schema.ToList())
        {
            schema.Remove(key);
            root[key] = value;
        }

        return root;
    }

    /// <summary>The workflow schema as the stable, indented text written to disk and printed by <c>orchestrator schema</c>.</summary>
    public static string WorkflowText() => Workflow().ToJsonString(new JsonSerializerOptions { WriteIndented = true, IndentSize = 2, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";

    /// <summary>The schema of any serializable type under the given options.</summary>
    public static JsonObject For(Type type, JsonSerializerOptions options)
        => options.GetJsonSchemaAsNode(type, ExporterOptions) as JsonObject
           ?? new JsonObject();

    private static JsonNode Transform(JsonSchemaExporterContext context, JsonNode schema)
    {
        var type = context.TypeInfo.Type;
        var nullable = Nullable.GetUnderlyingType(type) is not null;
        var underlying = Nullable.GetUnderlyingType(type) ?? type;

        if (underlying == typeof(TimeSpan))
        {
            schema = new JsonObject { ["type"] = TypeNames("string", nullable), ["format"] = SchemaFormats.Duration };
        }
        else if (underlying == typeof(ScheduleDefinition))
        {
            schema = new JsonObject
            {
                ["anyOf"] = new JsonArray(
                    new JsonObject { ["type"] = "string", ["format"] = SchemaFormats.Cron },
                    For(typeof(ScheduleObject), OrchestratorJson.Model),
                    new JsonObject { ["type"] = "null" }),
            };
        }
        else if (underlying == typeof(DateTimeOffset) && schema is JsonObject dateSchema)
        {
            dateSchema["format"] = SchemaFormats.DateTime;
        }

        if (schema is JsonValue anything && anything.TryGetValue<bool>(out var allowsAll) && allowsAll)
        {
            // `true` (any value) as `{}`, so descriptions and the like can be attached.
            schema = new JsonObject();
        }

        if (schema is not JsonObject obj)
        {
            return schema;
        }

        var attributes = context.PropertyInfo?.AttributeProvider;
        if (attributes is null)
        {
            var typeDescription = underlying.GetCustomAttribute<DescriptionAttribute>()?.Description;
            if (typeDescription is not null && context.PropertyInfo is null && !obj.ContainsKey("description"))
            {
                obj.Insert(0, "description", typeDescription);
            }

            return obj;
        }

        foreach (var attribute in attributes.GetCustomAttributes(inherit: true))
        {
            switch (attribute)
            {
                case DescriptionAttribute d:
                    obj.Insert(0, "description", d.Description);
                    break;
                case RegularExpressionAttribute r when IsArray(obj):
                    obj["items"] = new JsonObject { ["type"] = "string", ["pattern"] = r.Pattern };
                    break;
                case RegularExpressionAttribute r:
                    obj["pattern"] = r.Pattern;
                    break;
                case RangeAttribute range:
                    obj["minimum"] = JsonValue.Create(Convert.ToDecimal(range.Minimum, System.Globalization.CultureInfo.InvariantCulture));
                    obj["maximum"] = JsonValue.Create(Convert.ToDecimal(range.Maximum, System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case MinLengthAttribute min:
                    obj[IsArray(obj) ? "minItems" : "minLength"] = min.Length;
                    break;
                case MaxLengthAttribute max:
                    obj[IsArray(obj) ? "maxItems" : "maxLength"] = max.Length;
                    break;
                case AllowedValuesAttribute allowed:
                    obj["enum"] = new JsonArray(allowed.Values.Select(v => JsonValue.Create(v?.ToString())).ToArray<JsonNode?>());
                    break;
                case SchemaFormatAttribute f:
                    obj["format"] = f.Format;
                    break;
            }
        }

        return obj;
    }

    private static bool IsArray(JsonObject schema) => schema["type"] switch
    {
        JsonValue v => v.GetValue<string>() == "array",
        JsonArray a => a.Any(t => t?.GetValue<string>() == "array"),
        _ => false,
    };

    private static JsonNode TypeNames(string type, bool nullable) => nullable ? new JsonArray(type, "null") : JsonValue.Create(type);
}
