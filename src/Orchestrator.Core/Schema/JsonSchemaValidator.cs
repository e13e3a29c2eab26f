using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Orchestrator.Core.Json;

namespace Orchestrator.Core.Schema;

public enum ViolationKind
{
    WrongType,
    UnknownProperty,
    MissingProperty,
    NotAllowedValue,
    PatternMismatch,
    OutOfRange,
    InvalidFormat,
}

/// <summary>One way a value breaks its schema, located in the source.</summary>
/// <param name="Detail">The property name (unknown/missing), the format name (invalid format) or the pattern.</param>
/// <param name="Allowed">Allowed names or values, for "did you mean" suggestions.</param>
public sealed record SchemaViolation(
    ViolationKind Kind,
    string Path,
    TextPosition Position,
    string Message,
    string? Detail = null,
    IReadOnlyList<string>? Allowed = null);

/// <summary>Checks a value against a <c>format</c>; returns an error message, or null when valid.</summary>
public delegate string? FormatChecker(string format, string value);

/// <summary>
/// Validates a <see cref="LocatedValue"/> against the subset of JSON Schema 2020-12 that
/// <see cref="JsonSchemas"/> generates: type, properties, required, additionalProperties, items, enum,
/// const, pattern, minimum/maximum, minLength/maxLength, minItems/maxItems, anyOf/oneOf, $ref into $defs
/// and format. Unlike a general-purpose validator it reports every violation with line and column.
/// </summary>
public sealed class JsonSchemaValidator(JsonObject rootSchema, FormatChecker? formats = null, bool allowTemplates = false)
{
    private static readonly ConcurrentDictionary<string, Regex> Patterns = new();

    public IReadOnlyList<SchemaViolation> Validate(LocatedValue value)
    {
        var violations = new List<SchemaViolation>();
        Validate(value, rootSchema, violations);
        return violations;
    }

    /// <summary>A string holding a Liquid tag or output; its type is only known after rendering.</summary>
    public static bool IsTemplate(LocatedValue value)
        => value.Kind == LocatedKind.String && value.StringValue is { } s
           && (s.Contains("{{", StringComparison.Ordinal) || s.Contains("{%", StringComparison.Ordinal));

    private void Validate(LocatedValue value, JsonNode? schemaNode, List<SchemaViolation> violations)
    {
        if (schemaNode is JsonValue boolSchema && boolSchema.TryGetValue<bool>(out var allowed))
        {
            if (!allowed)
            {
                violations.Add(new SchemaViolation(ViolationKind.NotAllowedValue, value.Path, value.Position, "no value is allowed here"));
            }

            return;
        }

        if (schemaNode is not JsonObject schema)
        {
            return;
        }

        if (schema["$ref"]?.GetValue<string>() is { } reference)
        {
            Validate(value, Resolve(reference), violations);
        }

        if (allowTemplates && IsTemplate(value))
        {
            return;
        }

        if (schema["anyOf"] is JsonArray anyOf)
        {
            ValidateAnyOf(value, anyOf, violations);
        }

        if (schema["oneOf"] is JsonArray oneOf)
        {
            ValidateAnyOf(value, oneOf, violations);
        }

        if (schema["type"] is { } typeNode && !TypeMatches(value, typeNode))
        {
            var expected = TypeList(typeNode);
            violations.Add(new SchemaViolation(ViolationKind.WrongType, value.Path, value.Position,
                $"expected {Describe(expected)} but found {Article(value.JsonTypeName)}", Allowed: expected));
            return;
        }

        if (schema["enum"] is JsonArray enumValues && !enumValues.Any(e => JsonEquals(value, e)))
        {
            var names = enumValues.Where(e => e is not null).Select(e => e!.ToJsonString().Trim('"')).ToArray();
            violations.Add(new SchemaViolation(ViolationKind.NotAllowedValue, value.Path, value.Position,
                $"{Show(value)} is not allowed; expected one of {string.Join(", ", names)}", Allowed: names));
            return;
        }

        if (schema["const"] is { } constValue && !JsonEquals(value, constValue))
        {
            violations.Add(new SchemaViolation(ViolationKind.NotAllowedValue, value.Path, value.Position,
                $"{Show(value)} is not allowed; expected {constValue.ToJsonString()}"));
            return;
        }

        switch (value.Kind)
        {
            case LocatedKind.Object:
                ValidateObject(value, schema, violations);
                break;
            case LocatedKind.Array:
                ValidateArray(value, schema, violations);
                break;
            case LocatedKind.String:
                ValidateString(value, schema, violations);
                break;
            case LocatedKind.Number:
                ValidateNumber(value, schema, violations);
                break;
        }
    }

    private void ValidateAnyOf(LocatedValue value, JsonArray branches, List<SchemaViolation> violations)
    {
        List<SchemaViolation>? best = null;
        var expectedTypes = new List<string>();
        foreach (var branch in branches)
        {
            var attempt = new List<SchemaViolation>();
            Validate(value, branch, attempt);
            if (attempt.Count == 0)
            {
                return;
            }

            if (branch is JsonObject b && b["type"] is { } t)
            {
                expectedTypes.AddRange(TypeList(t));
                if (best is null && TypeMatches(value, t))
                {
                    best = attempt;
                }
            }
        }

        if (best is not null)
        {
            violations.AddRange(best);
            return;
        }

        var expected = expectedTypes.Distinct().ToArray();
        violations.Add(new SchemaViolation(ViolationKind.WrongType, value.Path, value.Position,
            $"expected {Describe(expected)} but found {Article(value.JsonTypeName)}", Allowed: expected));
    }

    private void ValidateObject(LocatedValue value, JsonObject schema, List<SchemaViolation> violations)
    {
        var properties = schema["properties"] as JsonObject;
        if (schema["required"] is JsonArray required)
        {
            foreach (var name in required.Select(r => r!.GetValue<string>()))
            {
                if (value.Property(name) is null)
                {
                    violations.Add(new SchemaViolation(ViolationKind.MissingProperty, value.Path, value.Position,
                        $"missing required property '{name}'", Detail: name));
                }
            }
        }

        var additional = schema["additionalProperties"];
        foreach (var property in value.Properties)
        {
            if (properties is not null && properties.TryGetPropertyValue(property.Name, out var propertySchema))
            {
                Validate(property.Value, propertySchema, violations);
            }
            else if (additional is JsonValue a && a.TryGetValue<bool>(out var allowed) && !allowed)
            {
                var known = properties?.Select(p => p.Key).ToArray() ?? [];
                violations.Add(new SchemaViolation(ViolationKind.UnknownProperty, property.Value.Path, property.NamePosition,
                    $"unknown property '{property.Name}'", Detail: property.Name, Allowed: known));
            }
            else if (additional is JsonObject additionalSchema)
            {
                Validate(property.Value, additionalSchema, violations);
            }
        }
    }

    private void ValidateArray(LocatedValue value, JsonObject schema, List<SchemaViolation> violations)
    {
        if (schema["minItems"] is JsonValue min && value.Items.Count < min.GetValue<int>())
        {
            violations.Add(new SchemaViolation(ViolationKind.OutOfRange, value.Path, value.Position,
                $"expected at least {min.GetValue<int>()} item(s) but found {value.Items.Count}"));
        }

        if (schema["maxItems"] is JsonValue max && value.Items.Count > max.GetValue<int>())
        {
            violations.Add(new SchemaViolation(ViolationKind.OutOfRange, value.Path, value.Position,
                $"expected at most {max.GetValue<int>()} item(s) but found {value.Items.Count}"));
        }

        if (schema["items"] is { } items)
        {
            foreach (var item in value.Items)
            {
                Validate(item, items, violations);
            }
        }
    }

    private void ValidateString(LocatedValue value, JsonObject schema, List<SchemaViolation> violations)
    {
        var text = value.StringValue ?? "";
        if (schema["minLength"] is JsonValue min && text.Length < min.GetValue<int>())
        {
            violations.Add(new SchemaViolation(ViolationKind.OutOfRange, value.Path, value.Position,
                $"expected at least {min.GetValue<int>()} character(s)"));
        }

        if (schema["maxLength"] is JsonValue max && text.Length > max.GetValue<int>())
        {
            violations.Add(new SchemaViolation(ViolationKind.OutOfRange, value.Path, value.Position,
                $"expected at most {max.GetValue<int>()} character(s)"));
        }

        if (schema["pattern"]?.GetValue<string>() is { } pattern
            && !Patterns.GetOrAdd(pattern, p => new Regex(p, RegexOptions.CultureInvariant)).IsMatch(text))
        {
            violations.Add(new SchemaViolation(ViolationKind.PatternMismatch, value.Path, value.Position,
                $"'{text}' does not match {pattern}", Detail: pattern));
        }

        if (formats is not null && schema["format"]?.GetValue<string>() is { } format && formats(format, text) is { } error)
        {
            violations.Add(new SchemaViolation(ViolationKind.InvalidFormat, value.Path, value.Position, error, Detail: format));
        }
    }

    private static void ValidateNumber(LocatedValue value, JsonObject schema, List<SchemaViolation> violations)
    {
        var number = value.NumberValue;
        if (number is null)
        {
            return;
        }

        if (schema["minimum"] is JsonValue min && number < min.GetValue<decimal>())
        {
            violations.Add(new SchemaViolation(ViolationKind.OutOfRange, value.Path, value.Position,
                $"{value.RawNumber} is below the minimum {min.GetValue<decimal>().ToString(CultureInfo.InvariantCulture)}"));
        }

        if (schema["maximum"] is JsonValue max && number > max.GetValue<decimal>())
        {
            violations.Add(new SchemaViolation(ViolationKind.OutOfRange, value.Path, value.Position,
                $"{value.RawNumber} is above the maximum {max.GetValue<decimal>().ToString(CultureInfo.InvariantCulture)}"));
        }

        if (schema["exclusiveMinimum"] is JsonValue xmin && number <= xmin.GetValue<decimal>())
        {
            violations.Add(new SchemaViolation(ViolationKind.OutOfRange, value.Path, value.Position,
                $"{value.RawNumber} must be greater than {xmin.GetValue<decimal>().ToString(CultureInfo.InvariantCulture)}"));
        }

        if (schema["exclusiveMaximum"] is JsonValue xmax && number >= xmax.GetValue<decimal>())
        {
            violations.Add(new SchemaViolation(ViolationKind.OutOfRange, value.Path, value.Position,
                $"{value.RawNumber} must be less than {xmax.GetValue<decimal>().ToString(CultureInfo.InvariantCulture)}"));
        }
    }

    private JsonNode? Resolve(string reference)
    {
        if (reference == "#")
        {
            return rootSchema;
        }

        JsonNode? node = rootSchema;
        foreach (var segment in reference.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node?[segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)];
        }

        return node;
    }

    private static bool TypeMatches(LocatedValue value, JsonNode typeNode)
        => TypeList(typeNode).Any(t => t == value.JsonTypeName || (t == "number" && value.Kind == LocatedKind.Number));

    private static string[] TypeList(JsonNode typeNode) => typeNode switch
    {
        JsonArray array => array.Select(t => t!.GetValue<string>()).ToArray(),
        _ => [typeNode.GetValue<string>()],
    };

    private static bool JsonEquals(LocatedValue value, JsonNode? expected)
    {
        if (expected is null)
        {
            return value.Kind == LocatedKind.Null;
        }

        var element = expected.GetValueKind();
        return (value.Kind, element) switch
        {
            (LocatedKind.String, System.Text.Json.JsonValueKind.String) => value.StringValue == expected.GetValue<string>(),
            (LocatedKind.Number, System.Text.Json.JsonValueKind.Number) => value.NumberValue == expected.GetValue<decimal>(),
            (LocatedKind.Boolean, System.Text.Json.JsonValueKind.True) => value.BooleanValue,
            (LocatedKind.Boolean, System.Text.Json.JsonValueKind.False) => !value.BooleanValue,
            (LocatedKind.Null, System.Text.Json.JsonValueKind.Null) => true,
            _ => false,
        };
    }

    private static string Describe(IReadOnlyList<string> types)
    {
        var named = types.Where(t => t != "null").Select(Article).ToList();
        if (named.Count == 0)
        {
            return "null";
        }

        return named.Count == 1 ? named[0] : string.Join(", ", named.Take(named.Count - 1)) + " or " + named[^1];
    }

    private static string Article(string type) => type switch
    {
        "object" or "array" or "integer" => $"an {type}",
        "null" => "null",
        _ => $"a {type}",
    };

    private static string Show(LocatedValue value) => value.Kind switch
    {
        LocatedKind.String => $"'{value.StringValue}'",
        LocatedKind.Number => value.RawNumber!,
        LocatedKind.Boolean => value.BooleanValue ? "true" : "false",
        _ => value.JsonTypeName,
    };
}
