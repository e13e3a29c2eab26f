using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fluid;
using Fluid.Ast;
using Fluid.Values;

namespace Orchestrator.Core.Templates;

/// <summary>
/// A task's <c>with</c> block with every template parsed once. Rendering walks the tree: literals are copied,
/// a string that is exactly one <c>{{ expr }}</c> becomes the expression's JSON value, any other template is text.
/// </summary>
public sealed class CompiledInputs
{
    private readonly IReadOnlyList<(string Name, Node Value)> _properties;

    private CompiledInputs(IReadOnlyList<(string, Node)> properties, bool hasTemplates)
    {
        _properties = properties;
        HasTemplates = hasTemplates;
    }

    public bool HasTemplates { get; }

    public static readonly CompiledInputs Empty = new([], false);

    /// <exception cref="FormatException">A template does not parse (the validator reports these first).</exception>
    public static CompiledInputs Compile(IReadOnlyDictionary<string, JsonElement>? with)
    {
        if (with is null || with.Count == 0)
        {
            return Empty;
        }

        var hasTemplates = false;
        var properties = with.Select(kv => (kv.Key, Compile(kv.Value, ref hasTemplates))).ToArray();
        return new CompiledInputs(properties, hasTemplates);
    }

    public async ValueTask<JsonObject> RenderAsync(TemplateContext? context)
    {
        var result = new JsonObject();
        foreach (var (name, node) in _properties)
        {
            result[name] = await node.RenderAsync(context).ConfigureAwait(false);
        }

        return result;
    }

    private static Node Compile(JsonElement element, ref bool hasTemplates)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String when Liquid.IsTemplate(element.GetString()!):
                hasTemplates = true;
                var text = element.GetString()!;
                if (!Liquid.TryParse(text, out var template, out var error))
                {
                    throw new FormatException($"template '{text}' does not parse: {error}");
                }

                return Liquid.SingleExpression(template) is { } expression
                    ? new ExpressionNode(expression)
                    : new TextNode(template);
            case JsonValueKind.Object:
                {
                    var nested = false;
                    var properties = element.EnumerateObject().Select(p => (p.Name, Compile(p.Value, ref nested))).ToArray();
                    hasTemplates |= nested;
                    return nested ? new ObjectNode(properties) : new LiteralNode(element.Clone());
                }

            case JsonValueKind.Array:
                {
                    var nested = false;
                    var items = element.EnumerateArray().Select(i => Compile(i, ref nested)).ToArray();
                    hasTemplates |= nested;
                    return nested ? new ArrayNode(items) : new LiteralNode(element.Clone());
                }

            default:
                return new LiteralNode(element.Clone());
        }
    }

    private abstract class Node
    {
        public abstract ValueTask<JsonNode?> RenderAsync(TemplateContext? context);
    }

    private sealed class LiteralNode(JsonElement value) : Node
    {
        public override ValueTask<JsonNode?> RenderAsync(TemplateContext? context) => ValueTask.FromResult(JsonSerializer.SerializeToNode(value, Json.OrchestratorJsonContext.Default.JsonElement));
    }

    private sealed class TextNode(IFluidTemplate template) : Node
    {
        public override async ValueTask<JsonNode?> RenderAsync(TemplateContext? context)
            => JsonValue.Create(await template.RenderAsync(context!).ConfigureAwait(false));
    }

    private sealed class ExpressionNode(Expression expression) : Node
    {
        public override async ValueTask<JsonNode?> RenderAsync(TemplateContext? context)
            => ToJson(await expression.EvaluateAsync(context!).ConfigureAwait(false));
    }

    private sealed class ObjectNode(IReadOnlyList<(string Name, Node Value)> properties) : Node
    {
        public override async ValueTask<JsonNode?> RenderAsync(TemplateContext? context)
        {
            var result = new JsonObject();
            foreach (var (name, node) in properties)
            {
                result[name] = await node.RenderAsync(context).ConfigureAwait(false);
            }

            return result;
        }
    }

    private sealed class ArrayNode(IReadOnlyList<Node> items) : Node
    {
        public override async ValueTask<JsonNode?> RenderAsync(TemplateContext? context)
        {
            var result = new JsonArray();
            foreach (var item in items)
            {
                result.Add(await item.RenderAsync(context).ConfigureAwait(false));
            }

            return result;
        }
    }

    /// <summary>A Liquid value as JSON, keeping numbers, booleans, arrays and objects typed.</summary>
    public static JsonNode? ToJson(FluidValue value) => value switch
    {
        NilValue or EmptyValue or BlankValue => null,
        BooleanValue b => JsonValue.Create(b.ToBooleanValue()),
        NumberValue n => ToJsonNumber(n.ToNumberValue()),
        StringValue s => JsonValue.Create(s.ToStringValue()),
        ArrayValue a => new JsonArray(a.Values.Select(ToJson).ToArray()),
        _ => ToJson(value.ToObjectValue()),
    };

    private static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        FluidValue f => ToJson(f),
        IFluidIndexable indexable => new JsonObject(indexable.Keys
            .Select(k => KeyValuePair.Create(k, indexable.TryGetValue(k, out var v) ? ToJson(v) : null))),
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        long or int or short or byte => JsonValue.Create(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)),
        decimal d => ToJsonNumber(d),
        double or float => JsonValue.Create(Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture)),
        DateTimeOffset dto => JsonValue.Create(TemplateScope.Iso(dto)),
        IDictionary dictionary => new JsonObject(dictionary.Keys.Cast<object>()
            .Select(k => KeyValuePair.Create(k.ToString()!, ToJson(dictionary[k])))),
        IEnumerable sequence => new JsonArray(sequence.Cast<object?>().Select(ToJson).ToArray()),
        _ => JsonValue.Create(value.ToString()),
    };

    private static JsonValue ToJsonNumber(decimal value)
        => decimal.Truncate(value) == value && value is >= long.MinValue and <= long.MaxValue
            ? JsonValue.Create((long)value)
            : JsonValue.Create(value);
}
