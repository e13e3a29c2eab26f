using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Json;
using Orchestrator.Core.Model;
using Orchestrator.Core.Templates;

namespace Orchestrator.Core.Engine;

/// <summary>Engine-wide fallbacks for what a workflow leaves out.</summary>
public sealed record EngineDefaults
{
    public int MaxActiveTasks { get; init; } = 16;
    public int MaxActiveRuns { get; init; } = 16;
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Outputs above this size fail the attempt: large data passes by reference.</summary>
    public int MaxOutputBytes { get; init; } = 64 * 1024;
}

/// <summary>One task, resolved for execution: indices of its neighbours, policies with defaults applied, parsed templates.</summary>
public sealed record TaskPlan
{
    public required int Index { get; init; }
    public required TaskDefinition Definition { get; init; }
    public required ActivityDescriptor Activity { get; init; }
    public required int[] Upstream { get; init; }
    public required int[] Downstream { get; init; }
    public required TriggerRule Rule { get; init; }
    public required RetryPolicy Retry { get; init; }
    public TimeSpan? Timeout { get; init; }

    /// <summary>The pool whose slots an attempt takes, if any, and how many.</summary>
    public string? Pool { get; init; }
    public int PoolSlots { get; init; } = 1;

    public required CompiledInputs Inputs { get; init; }

    /// <summary>Tasks whose outputs the templates read.</summary>
    public required IReadOnlyList<string> ReadsOutputsOf { get; init; }

    public string Id => Definition.Id;
}

/// <summary>A validated workflow compiled for the engine; built once per version and shared by its runs.</summary>
public sealed class WorkflowPlan
{
    private WorkflowPlan(WorkflowDefinition definition, string version, IReadOnlyList<TaskPlan> tasks, int maxActiveTasks, EngineDefaults defaults)
    {
        Definition = definition;
        Version = version;
        Tasks = tasks;
        MaxActiveTasks = maxActiveTasks;
        Defaults = defaults;
        IndexOf = tasks.ToDictionary(t => t.Id, t => t.Index, StringComparer.Ordinal);
    }

    public WorkflowDefinition Definition { get; }
    public string Version { get; }
    public IReadOnlyList<TaskPlan> Tasks { get; }
    public IReadOnlyDictionary<string, int> IndexOf { get; }
    public int MaxActiveTasks { get; }
    public EngineDefaults Defaults { get; }
    public string WorkflowId => Definition.Id;

    /// <exception cref="InvalidOperationException">The definition references an unknown activity or task (validate first).</exception>
    public static WorkflowPlan Compile(WorkflowDefinition definition, ActivityRegistry activities, EngineDefaults? defaults = null)
    {
        defaults ??= new EngineDefaults();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < definition.Tasks.Count; i++)
        {
            index[definition.Tasks[i].Id] = i;
        }

        var downstream = definition.Tasks.Select(_ => new List<int>()).ToArray();
        var upstream = new int[definition.Tasks.Count][];
        for (var i = 0; i < definition.Tasks.Count; i++)
        {
            upstream[i] = (definition.Tasks[i].DependsOn ?? []).Distinct(StringComparer.Ordinal)
                .Select(id => index.TryGetValue(id, out var u) ? u : throw new InvalidOperationException($"task '{definition.Tasks[i].Id}' depends on unknown task '{id}'"))
                .ToArray();
            foreach (var u in upstream[i])
            {
                downstream[u].Add(i);
            }
        }

        var taskDefaults = definition.Defaults ?? new TaskDefaults();
        var tasks = definition.Tasks.Select((task, i) =>
        {
            var activity = activities.Find(task.Activity) ?? throw new InvalidOperationException($"unknown activity '{task.Activity}'");
            var inputs = CompiledInputs.Compile(task.With);
            return new TaskPlan
            {
                Index = i,
                Definition = task,
                Activity = activity,
                Upstream = upstream[i],
                Downstream = downstream[i].ToArray(),
                Rule = task.TriggerRule ?? TriggerRule.AllSuccess,
                Retry = new RetryPolicy(
                    task.Retries ?? taskDefaults.Retries ?? 0,
                    task.RetryDelay ?? taskDefaults.RetryDelay ?? defaults.RetryDelay,
                    task.RetryBackoff ?? taskDefaults.RetryBackoff ?? RetryBackoff.Constant,
                    task.MaxRetryDelay ?? taskDefaults.MaxRetryDelay ?? defaults.MaxRetryDelay,
                    task.RetryOn ?? taskDefaults.RetryOn ?? RetryOn.Transient),
                Timeout = task.Timeout ?? taskDefaults.Timeout,
                Pool = task.Pool ?? taskDefaults.Pool,
                PoolSlots = task.PoolSlots ?? 1,
                Inputs = inputs,
                ReadsOutputsOf = inputs.HasTemplates ? ReferencedTasks(task) : [],
            };
        }).ToArray();

        return new WorkflowPlan(definition, VersionOf(definition), tasks,
            definition.Concurrency?.MaxActiveTasks ?? defaults.MaxActiveTasks, defaults);
    }

    /// <summary>
    /// The content hash of a definition: formatting and property order of the file do not matter. The 64-bit XXH3
    /// (a non-cryptographic hash: the version tells edits apart, it does not authenticate them; a SHA-256 here loaded
    /// OpenSSL into every server, about 3 MB of its idle resident set).
    /// </summary>
    public static string VersionOf(WorkflowDefinition definition)
    {
        var canonical = JsonSerializer.SerializeToUtf8Bytes(definition, CompactOptions.Value);
        return XxHash3.HashToUInt64(canonical).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
    }

    public static string CanonicalJson(WorkflowDefinition definition)
        => JsonSerializer.Serialize(definition, OrchestratorJsonContext.Default.WorkflowDefinition);

    private static readonly Lazy<JsonSerializerOptions> CompactOptions = new(() =>
        new JsonSerializerOptions(OrchestratorJson.Model) { WriteIndented = false });

    private static string[] ReferencedTasks(TaskDefinition task)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var value in task.With!.Values)
        {
            Collect(value, ids);
        }

        return ids.ToArray();

        static void Collect(JsonElement element, HashSet<string> ids)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String when Liquid.IsTemplate(element.GetString()!) && Liquid.TryParse(element.GetString()!, out var template, out _):
                    foreach (var reference in TemplateReferences.Collect(template))
                    {
                        if (reference.Root == "tasks" && reference.Segments.Count > 1)
                        {
                            ids.Add(reference.Segments[1]);
                        }
                    }

                    break;
                case JsonValueKind.Object:
                    foreach (var p in element.EnumerateObject())
                    {
                        Collect(p.Value, ids);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        Collect(item, ids);
                    }

                    break;
            }
        }
    }
}
