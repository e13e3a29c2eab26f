using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Serialization;

namespace Orchestrator.Core.Json;

/// <summary>The JSON spelling of enum members (their <see cref="JsonStringEnumMemberNameAttribute"/>).</summary>
public static class WireNames
{
    private static readonly ConcurrentDictionary<Enum, string> Cache = new();

    public static string Of<TEnum>(TEnum value) where TEnum : struct, Enum
        => Cache.GetOrAdd(value, static v =>
        {
            var field = v.GetType().GetField(v.ToString(), BindingFlags.Public | BindingFlags.Static);
            return field?.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? v.ToString();
        });

    public static bool TryParse<TEnum>(string text, out TEnum value) where TEnum : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<TEnum>())
        {
            if (Of(candidate) == text)
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }
}
