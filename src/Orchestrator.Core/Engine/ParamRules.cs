using System.Globalization;
using System.Text.Json;
using Orchestrator.Core.Json;
using Orchestrator.Core.Model;

namespace Orchestrator.Core.Engine;

/// <summary>Checks values against param definitions: the validator uses it for defaults, triggers for given values.</summary>
public static class ParamRules
{
    /// <summary>Why the value is not of the type, or null when it is.</summary>
    public static string? TypeError(ParamType type, JsonElement value)
    {
        var ok = type switch
        {
            ParamType.String => value.ValueKind == JsonValueKind.String,
            ParamType.Integer => value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var d) && decimal.Truncate(d) == d,
            ParamType.Number => value.ValueKind == JsonValueKind.Number,
            ParamType.Boolean => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
            ParamType.Array => value.ValueKind == JsonValueKind.Array,
            ParamType.Object => value.ValueKind == JsonValueKind.Object,
            _ => false,
        };
        return ok ? null : $"{Show(value)} is not {(type is ParamType.Integer or ParamType.Array or ParamType.Object ? "an" : "a")} {WireNames.Of(type)}";
    }

    /// <summary>Why the value breaks the definition, or null when it fits.</summary>
    public static string? Check(ParamDefinition definition, JsonElement value)
    {
        if (TypeError(definition.Type, value) is { } typeError)
        {
            return typeError;
        }

        if (value.ValueKind == JsonValueKind.String && !IsText(value))
        {
            return "the string holds half of a UTF-16 surrogate pair (such as \\ud800), which is not a character";
        }

        if (definition.Enum is { Count: > 0 } allowed && !allowed.Any(a => JsonElement.DeepEquals(a, value)))
        {
            return $"{Show(value)} is not one of {string.Join(", ", allowed.Select(a => a.GetRawText()))}";
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var number))
        {
            if (definition.Minimum is { } min && number < min)
            {
                return $"{Show(value)} is below the minimum {min.ToString(CultureInfo.InvariantCulture)}";
            }

            if (definition.Maximum is { } max && number > max)
            {
                return $"{Show(value)} is above the maximum {max.ToString(CultureInfo.InvariantCulture)}";
            }
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString()!;
            if (definition.MinLength is { } minLength && text.Length < minLength)
            {
                return $"{Show(value)} is shorter than {minLength} character(s)";
            }

            if (definition.MaxLength is { } maxLength && text.Length > maxLength)
            {
                return $"{Show(value)} is longer than {maxLength} character(s)";
            }

            switch (definition.Pattern is { } pattern ? ParamPattern.IsMatch(pattern, text) : true)
            {
                case false:
                    return $"{Show(value)} does not match {definition.Pattern}";
                case null:
                    return $"{Show(value)} could not be checked against {definition.Pattern}: matching took longer than " +
                           $"{ParamPattern.MatchTimeout.TotalMilliseconds:F0} ms (the pattern backtracks too much; simplify it)";
            }
        }

        return null;
    }

    /// <summary>Whether a JSON string spells characters; a lone surrogate escape is valid JSON but no text.</summary>
    private static bool IsText(JsonElement value)
    {
        try
        {
            _ = value.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static string Show(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => IsText(value) ? $"'{value.GetString()}'" : value.GetRawText(),
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => value.GetRawText(),
    };
}

/// <summary>Given params that do not fit the workflow's definitions.</summary>
public sealed class ParamValidationException(IReadOnlyList<string> errors)
    : Exception("invalid params: " + string.Join("; ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}

/// <summary>Applies defaults and checks the params of a new run.</summary>
public static class ParamResolver
{
    public static IReadOnlyDictionary<string, JsonElement> Resolve(
        IReadOnlyDictionary<string, ParamDefinition>? definitions,
        IReadOnlyDictionary<string, JsonElement>? given)
    {
        definitions ??= new Dictionary<string, ParamDefinition>();
        given ??= new Dictionary<string, JsonElement>();
        var errors = new List<string>();
        var values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);

        foreach (var name in given.Keys.Where(k => !definitions.ContainsKey(k)).Order(StringComparer.Ordinal))
        {
            errors.Add($"unknown param '{name}'" + (definitions.Count == 0 ? " (the workflow defines none)" : $" (defined: {string.Join(", ", definitions.Keys)})"));
        }

        foreach (var (name, definition) in definitions)
        {
            if (given.TryGetValue(name, out var value))
            {
                if (ParamRules.Check(definition, value) is { } problem)
                {
                    errors.Add($"param '{name}': {problem}");
                    continue;
                }

                values[name] = value.Clone();
            }
            else if (definition.Default is { } fallback)
            {
                values[name] = fallback.Clone();
            }
            else
            {
                errors.Add($"param '{name}' is required (it has no default)");
            }
        }

        return errors.Count > 0 ? throw new ParamValidationException(errors) : values;
    }
}
