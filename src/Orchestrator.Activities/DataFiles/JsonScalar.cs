using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Activities.DataFiles;

/// <summary>JSON record values as the CLR values that SQL parameters, spreadsheets and text formats take.</summary>
public static class JsonScalar
{
    /// <summary>A JSON scalar as a CLR value: long, double, decimal, bool, string; objects and arrays as JSON text.</summary>
    public static object? ToClr(JsonNode? node)
    {
        if (node is not JsonValue value)
        {
            return node?.ToJsonString();
        }

        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                return value.GetValue<string>();
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            case JsonValueKind.Number:
                if (value.TryGetValue<long>(out var l))
                {
                    return l;
                }

                if (value.TryGetValue<double>(out var d))
                {
                    return d;
                }

                if (value.TryGetValue<int>(out var i))
                {
                    return (long)i;
                }

                if (value.TryGetValue<decimal>(out var m))
                {
                    return m;
                }

                return double.Parse(value.ToJsonString(), CultureInfo.InvariantCulture);
            default:
                return null;
        }
    }
}
