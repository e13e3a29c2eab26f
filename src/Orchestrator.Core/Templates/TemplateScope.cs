using System.Globalization;
using System.Text.Json;
using Fluid;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Json;

namespace Orchestrator.Core.Templates;

/// <summary>
/// Builds the Liquid context of one attempt: <c>params</c>, <c>run</c>, <c>workflow</c>,
/// <c>tasks.&lt;id&gt;.outputs</c>, <c>vars</c> and, in event runs, <c>trigger</c>. Dates are ISO 8601 strings, which Liquid's <c>date</c> filter reads.
/// </summary>
public static class TemplateScope
{
    /// <summary>The fields of <c>run</c>, also used by the validator to reject unknown ones.</summary>
    public static readonly IReadOnlySet<string> RunFields = new HashSet<string>(StringComparer.Ordinal)
    {
        "id", "logical_date", "data_interval_start", "data_interval_end", "kind", "attempt",
    };

    public static readonly IReadOnlySet<string> WorkflowFields = new HashSet<string>(StringComparer.Ordinal) { "id", "version" };

    public static readonly IReadOnlySet<string> Roots = new HashSet<string>(StringComparer.Ordinal)
    {
        "params", "run", "workflow", "tasks", "vars", "trigger",
    };

    /// <summary>The fields of <c>trigger</c> (runs of kind <c>event</c>), also used by the validator.</summary>
    public static readonly IReadOnlySet<string> TriggerFields = new HashSet<string>(StringComparer.Ordinal)
    {
        "type", "connection", "group", "path", "count", "topic", "topics", "offsets",
    };

    public static TemplateContext Create(
        RunContext run,
        int attempt,
        IReadOnlyDictionary<string, JsonElement> upstreamOutputs,
        TemplateOptions options)
    {
        var context = new TemplateContext(options);
        context.SetValue("params", ToObject(run.Params));
        context.SetValue("run", new Dictionary<string, object?>
        {
            ["id"] = run.RunId.ToString(),
            ["logical_date"] = Iso(run.LogicalDate),
            ["data_interval_start"] = Iso(run.DataIntervalStart),
            ["data_interval_end"] = Iso(run.DataIntervalEnd),
            ["kind"] = WireNames.Of(run.Kind),
            ["attempt"] = attempt,
        });
        context.SetValue("workflow", new Dictionary<string, object?> { ["id"] = run.WorkflowId, ["version"] = run.WorkflowVersion });
        context.SetValue("tasks", upstreamOutputs.ToDictionary(
            kv => kv.Key,
            kv => (object?)new Dictionary<string, object?> { ["outputs"] = ToObject(kv.Value) }));
        context.SetValue("vars", run.Vars.ToDictionary(kv => kv.Key, kv => (object?)kv.Value));
        if (run.Trigger is { } trigger)
        {
            context.SetValue("trigger", Trigger(trigger));
        }

        return context;
    }

    private static Dictionary<string, object?> Trigger(RunTrigger trigger) => new()
    {
        ["type"] = trigger.Type,
        ["connection"] = trigger.Connection,
        ["group"] = trigger.Group,
        ["path"] = trigger.Path,
        ["count"] = trigger.Count,
        ["topic"] = trigger.Topics.Count > 0 ? trigger.Topics[0] : null,
        ["topics"] = trigger.Topics.ToList(),
        ["offsets"] = trigger.Offsets.Select(o => (object?)new Dictionary<string, object?>
        {
            ["topic"] = o.Topic,
            ["partition"] = o.Partition,
            ["first"] = o.First,
            ["last"] = o.Last,
            ["count"] = o.Count,
        }).ToList(),
    };

    public static string Iso(DateTimeOffset value)
        => value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    private static Dictionary<string, object?> ToObject(IReadOnlyDictionary<string, JsonElement> values)
        => values.ToDictionary(kv => kv.Key, kv => ToObject(kv.Value));

    /// <summary>JSON to plain .NET values Fluid understands: dictionaries, lists, decimals, strings, booleans.</summary>
    public static object? ToObject(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().ToDictionary(p => p.Name, p => ToObject(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().Select(ToObject).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out var l) ? l : element.GetDecimal(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };
}
