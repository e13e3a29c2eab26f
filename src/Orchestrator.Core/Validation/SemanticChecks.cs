using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Connections;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Json;
using Orchestrator.Core.Model;
using Orchestrator.Core.Schema;
using Orchestrator.Core.Templates;

namespace Orchestrator.Core.Validation;

/// <summary>
/// The checks that need more than the schema: unique ids, known activities and their inputs, dependencies
/// and cycles, param definitions, template syntax and references, branch targets, schedule window.
/// Works on the located tree and skips what is structurally broken (already reported).
/// </summary>
internal sealed partial class SemanticChecks(string file, LocatedValue root, ActivityRegistry activities, ConnectionCatalog? connections, List<Diagnostic> diagnostics)
{
    private const string BranchActivity = "core.branch";

    private sealed record TaskNode(string Id, LocatedValue Value, ActivityDescriptor? Activity, List<(string Id, LocatedValue Value)> DependsOn);

    private readonly List<TaskNode> _allTasks = [];

    public void Run()
    {
        var tasks = CollectTasks();
        CheckActivities();
        CheckConnections();
        CheckTriggers();
        CheckDependencies(tasks);
        var graph = new TaskGraph(tasks.Values.Select(t => (t.Id, (IReadOnlyList<string>)t.DependsOn.Select(d => d.Id).ToList())).ToList());
        CheckCycles(tasks, graph);
        var paramNames = CheckParams();
        CheckTemplates(tasks, graph, paramNames);
        CheckBranches(tasks);
        CheckScheduleWindow();
        CheckScheduleFires();
    }

    private void Report(LocatedValue at, string code, string message) => Report(at.Position, at.Path, code, message);

    private void Report(TextPosition position, string path, string code, string message)
        => diagnostics.Add(new Diagnostic(file, position, path, code, message));

    private Dictionary<string, TaskNode> CollectTasks()
    {
        var tasks = new Dictionary<string, TaskNode>(StringComparer.Ordinal);
        if (root["tasks"] is not { Kind: LocatedKind.Array } list)
        {
            return tasks;
        }

        foreach (var task in list.Items.Where(t => t.Kind == LocatedKind.Object))
        {
            if (task["id"] is not { Kind: LocatedKind.String } idValue)
            {
                continue;
            }

            var id = idValue.StringValue!;
            var activity = task["activity"] is { Kind: LocatedKind.String } a ? activities.Find(a.StringValue!) : null;
            var depends = task["dependsOn"] is { Kind: LocatedKind.Array } deps
                ? deps.Items.Where(d => d.Kind == LocatedKind.String).Select(d => (d.StringValue!, d)).ToList()
                : [];
            var node = new TaskNode(id, task, activity, depends);
            _allTasks.Add(node);
            if (!tasks.TryAdd(id, node))
            {
                Report(idValue, DiagnosticCodes.DuplicateTaskId, $"task id '{id}' is used by another task");
            }
        }

        return tasks;
    }

    private void CheckActivities()
    {
        foreach (var task in _allTasks)
        {
            if (task.Value["activity"] is not { Kind: LocatedKind.String } activityValue)
            {
                continue;
            }

            if (task.Activity is null)
            {
                Report(activityValue, DiagnosticCodes.UnknownActivity,
                    $"unknown activity '{activityValue.StringValue}'{Suggestions.For(activityValue.StringValue!, activities.Types)} (see `orchestrator activities`)");
                continue;
            }

            if (activities.IsDisabled(task.Activity.Type))
            {
                Report(activityValue, DiagnosticCodes.DisabledActivity,
                    $"activity '{task.Activity.Type}' is disabled on this server (Orchestrator:Activities:Disabled)");
            }

            var with = task.Value["with"];
            if (with is { Kind: not (LocatedKind.Object or LocatedKind.Null) })
            {
                continue;
            }

            var inputs = with is { Kind: LocatedKind.Object }
                ? with
                : LocatedJsonParser.Parse("{}").Root!;
            var validator = new JsonSchemaValidator(task.Activity.InputSchema, WorkflowFormats.Check, allowTemplates: true);
            foreach (var v in validator.Validate(inputs))
            {
                var name = task.Activity.Type;
                switch (v.Kind)
                {
                    case ViolationKind.UnknownProperty:
                        Report(v.Position, v.Path, DiagnosticCodes.UnknownInput,
                            $"activity '{name}' has no input '{v.Detail}'{Suggestions.For(v.Detail!, v.Allowed)}");
                        break;
                    case ViolationKind.MissingProperty when v.Path == inputs.Path || with is not { Kind: LocatedKind.Object }:
                        var at = with is { Kind: LocatedKind.Object } ? with : activityValue;
                        Report(at, DiagnosticCodes.MissingInput, $"activity '{name}' requires input '{v.Detail}'");
                        break;
                    default:
                        var relative = v.Path.StartsWith(inputs.Path, StringComparison.Ordinal) && inputs.Path != "$"
                            ? v.Path[(inputs.Path.Length + 1)..]
                            : v.Path.TrimStart('$', '.');
                        Report(v.Position, v.Path, DiagnosticCodes.InvalidInput,
                            $"input '{relative}' of '{name}': {v.Message}");
                        break;
                }
            }
        }
    }

    /// <summary>Literal connection names of task inputs must be configured, with a type the activity accepts.</summary>
    private void CheckConnections()
    {
        foreach (var task in _allTasks)
        {
            if (task.Activity is not { ConnectionInputs.Count: > 0 } activity || task.Value["with"] is not { Kind: LocatedKind.Object } with)
            {
                continue;
            }

            foreach (var (input, types) in activity.ConnectionInputs)
            {
                if (with[input] is { Kind: LocatedKind.String } value)
                {
                    CheckConnectionName(value, types, $"input '{input}' of '{activity.Type}'");
                }
            }
        }
    }

    /// <summary>Reports an unknown connection or one of the wrong type; template values are checked when rendered.</summary>
    internal void CheckConnectionName(LocatedValue value, IReadOnlyList<string> types, string where)
    {
        var name = value.StringValue!;
        if (connections is null || Liquid.IsTemplate(name))
        {
            return;
        }

        if (connections.Find(name) is not { } connection)
        {
            Report(value, DiagnosticCodes.UnknownConnection,
                $"{where}: connection '{name}' is not configured{Suggestions.For(name, connections.Names)} " +
                $"(configured: {string.Join(", ", connections.Names.Order(StringComparer.Ordinal))})");
        }
        else if (types.Count > 0 && !types.Contains(connection.Type))
        {
            Report(value, DiagnosticCodes.WrongConnectionType,
                $"{where}: connection '{name}' is a {connection.Type} connection; it needs {string.Join(" or ", types)}");
        }
    }

    /// <summary>Which connections, topics and groups triggers name; what event runs need of the params.</summary>
    private void CheckTriggers()
    {
        if (root["triggers"] is not { Kind: LocatedKind.Array } triggers)
        {
            return;
        }

        var workflowId = root["id"]?.StringValue ?? "";
        var groups = new HashSet<(string Connection, string Group)>();
        foreach (var trigger in triggers.Items.Where(t => t.Kind == LocatedKind.Object))
        {
            var connection = trigger["connection"] is { Kind: LocatedKind.String } c ? c : null;
            if (connection is not null)
            {
                if (Liquid.IsTemplate(connection.StringValue!))
                {
                    Report(connection, DiagnosticCodes.UnknownConnection, "a trigger's connection is a connection name, not a template");
                }
                else
                {
                    CheckConnectionName(connection, TriggerConnectionTypes, "trigger");
                }
            }

            var topic = trigger.Property("topic");
            var topics = trigger.Property("topics");
            if (topic is null && topics is null)
            {
                Report(trigger, DiagnosticCodes.MissingProperty, "a trigger needs a 'topic' (or 'topics') to read");
            }
            else if (topic is not null && topics is not null)
            {
                Report(topics.NamePosition, topics.Value.Path, DiagnosticCodes.ValueNotAllowed, "give a trigger either 'topic' or 'topics', not both");
            }

            if (trigger["maxWait"] is { Kind: LocatedKind.String } maxWait && IsoDuration.TryParse(maxWait.StringValue, out var wait) && wait <= TimeSpan.Zero)
            {
                Report(maxWait, DiagnosticCodes.OutOfRange, "a trigger's maxWait must be longer than zero");
            }

            var group = trigger["group"] is { Kind: LocatedKind.String } g ? g : null;
            var groupName = group?.StringValue ?? Model.TriggerDefinition.DefaultGroupPrefix + workflowId;
            if (connection is not null && !groups.Add((connection.StringValue!, groupName)))
            {
                Report(group ?? trigger, DiagnosticCodes.ValueNotAllowed,
                    $"another trigger of this workflow reads connection '{connection.StringValue}' as group '{groupName}'; give each trigger a group of its own");
            }
        }

        // An event run gets no params: each one needs a default.
        if (triggers.Items.Count > 0 && root["params"] is { Kind: LocatedKind.Object } parameters)
        {
            foreach (var property in parameters.Properties.Where(p => p.Value.Kind == LocatedKind.Object && p.Value.Property("default") is null))
            {
                Report(property.NamePosition, property.Value.Path, DiagnosticCodes.InvalidParam,
                    $"param '{property.Name}' needs a default: runs started by a trigger get no params");
            }
        }
    }

    private static readonly IReadOnlyList<string> TriggerConnectionTypes = [ConnectionTypes.Kafka, ConnectionTypes.Local];

    private void CheckDependencies(Dictionary<string, TaskNode> tasks)
    {
        foreach (var task in _allTasks)
        {
            if (task.Value.Property("triggerRule") is { Value.Kind: LocatedKind.Null } rule)
            {
                Report(rule.Value, DiagnosticCodes.InvalidTriggerRule, "triggerRule is null; leave it out for the default all_success");
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (id, value) in task.DependsOn.Where(d => !seen.Add(d.Id)))
            {
                Report(value, DiagnosticCodes.DuplicateDependency, $"task '{task.Id}' names '{id}' twice in dependsOn");
            }
        }

        foreach (var task in tasks.Values)
        {
            foreach (var (id, value) in task.DependsOn)
            {
                if (!tasks.ContainsKey(id) && System.Text.RegularExpressions.Regex.IsMatch(id, Ids.Pattern))
                {
                    Report(value, DiagnosticCodes.UnknownDependency,
                        $"task '{task.Id}' depends on unknown task '{id}'{Suggestions.For(id, tasks.Keys)}");
                }
            }
        }
    }

    private void CheckCycles(Dictionary<string, TaskNode> tasks, TaskGraph graph)
    {
        foreach (var cycle in graph.Cycles())
        {
            var at = tasks[cycle.Task].DependsOn[cycle.DependsOnIndex].Value;
            Report(at, DiagnosticCodes.DependencyCycle, $"dependency cycle: {string.Join(" -> ", cycle.Flow)}");
        }
    }

    private HashSet<string> CheckParams()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (root["params"] is not { Kind: LocatedKind.Object } parameters)
        {
            return names;
        }

        foreach (var property in parameters.Properties)
        {
            names.Add(property.Name);
            if (!System.Text.RegularExpressions.Regex.IsMatch(property.Name, "^[A-Za-z_][A-Za-z0-9_]*$"))
            {
                Report(property.NamePosition, property.Value.Path, DiagnosticCodes.PatternMismatch,
                    $"param name '{property.Name}' must be letters, digits and '_' (templates read it as params.<name>)");
            }

            if (property.Value.Kind != LocatedKind.Object
                || property.Value["type"] is not { Kind: LocatedKind.String } typeValue
                || !WireNames.TryParse<ParamType>(typeValue.StringValue!, out var type))
            {
                continue;
            }

            CheckParamDefinition(property.Value, type);
        }

        return names;
    }

    private void CheckParamDefinition(LocatedValue definition, ParamType type)
    {
        var numeric = type is ParamType.Integer or ParamType.Number;
        foreach (var keyword in new[] { "minimum", "maximum" })
        {
            if (definition.Property(keyword) is { } p && !numeric)
            {
                Report(p.NamePosition, p.Value.Path, DiagnosticCodes.InvalidParam, $"'{keyword}' applies to integer and number params, not {WireNames.Of(type)}");
            }
        }

        foreach (var keyword in new[] { "minLength", "maxLength", "pattern" })
        {
            if (definition.Property(keyword) is { } p && type != ParamType.String)
            {
                Report(p.NamePosition, p.Value.Path, DiagnosticCodes.InvalidParam, $"'{keyword}' applies to string params, not {WireNames.Of(type)}");
            }
        }

        if (definition["minimum"]?.NumberValue is { } min && definition["maximum"]?.NumberValue is { } max && min > max)
        {
            Report(definition["maximum"]!, DiagnosticCodes.InvalidParam, $"maximum {max} is below minimum {min}");
        }

        if (definition["pattern"] is { Kind: LocatedKind.String } pattern)
        {
            try
            {
                _ = ParamPattern.Compile(pattern.StringValue!);
            }
            catch (ArgumentException e)
            {
                Report(pattern, DiagnosticCodes.InvalidParam, $"pattern does not compile: {e.Message}");
                return;
            }
        }

        ParamDefinition parsed;
        try
        {
            parsed = definition.ToJsonElement().Deserialize(OrchestratorJsonContext.Default.ParamDefinition)!;
        }
        catch (JsonException)
        {
            return; // structure errors are already reported
        }

        if (definition["enum"] is { Kind: LocatedKind.Array } enumValues)
        {
            foreach (var item in enumValues.Items)
            {
                if (ParamRules.TypeError(type, item.ToJsonElement()) is { } error)
                {
                    Report(item, DiagnosticCodes.InvalidParam, $"enum value {error}");
                }
            }
        }

        if (definition["default"] is { } defaultValue && ParamRules.Check(parsed, defaultValue.ToJsonElement()) is { } problem)
        {
            Report(defaultValue, DiagnosticCodes.InvalidParam, $"default {problem}");
        }
    }

    private void CheckTemplates(Dictionary<string, TaskNode> tasks, TaskGraph graph, HashSet<string> paramNames)
    {
        foreach (var task in tasks.Values)
        {
            if (task.Value["with"] is not { Kind: LocatedKind.Object } with)
            {
                continue;
            }

            foreach (var value in with.Descendants().Where(v => v.Kind == LocatedKind.String && Liquid.IsTemplate(v.StringValue!)))
            {
                if (!Liquid.TryParse(value.StringValue!, out var template, out var error))
                {
                    Report(value, DiagnosticCodes.TemplateSyntax, $"template does not parse: {error}");
                    continue;
                }

                foreach (var filter in TemplateFilters.Unknown(template))
                {
                    Report(value, DiagnosticCodes.UnknownFilter, $"unknown Liquid filter '{filter}'{Suggestions.For(filter, TemplateFilters.KnownNames)}");
                }

                foreach (var reference in TemplateReferences.Collect(template))
                {
                    CheckReference(task, value, reference, tasks, graph, paramNames);
                }
            }
        }
    }

    private void CheckReference(
        TaskNode task,
        LocatedValue at,
        TemplateReference reference,
        Dictionary<string, TaskNode> tasks,
        TaskGraph graph,
        HashSet<string> paramNames)
    {
        var s = reference.Segments;
        switch (reference.Root)
        {
            case "params" when s.Count > 1 && !paramNames.Contains(s[1]):
                Report(at, DiagnosticCodes.UnknownParam, $"unknown param '{s[1]}'{Suggestions.For(s[1], paramNames)}");
                break;
            case "run" when s.Count > 1 && !TemplateScope.RunFields.Contains(s[1]):
                Report(at, DiagnosticCodes.UnknownVariable, $"unknown field run.{s[1]}; run has {string.Join(", ", TemplateScope.RunFields)}");
                break;
            case "trigger" when !HasTriggers:
                Report(at, DiagnosticCodes.UnknownVariable, $"'{reference}' reads the trigger of an event run, but this workflow has no triggers");
                break;
            case "trigger" when s.Count > 1 && !TemplateScope.TriggerFields.Contains(s[1]):
                Report(at, DiagnosticCodes.UnknownVariable,
                    $"unknown field trigger.{s[1]} (trigger has {string.Join(", ", TemplateScope.TriggerFields)}){Suggestions.For(s[1], TemplateScope.TriggerFields)}");
                break;
            case "workflow" when s.Count > 1 && !TemplateScope.WorkflowFields.Contains(s[1]):
                Report(at, DiagnosticCodes.UnknownVariable, $"unknown field workflow.{s[1]}; workflow has {string.Join(", ", TemplateScope.WorkflowFields)}");
                break;
            case "tasks" when s.Count > 1:
                if (!tasks.TryGetValue(s[1], out var source))
                {
                    Report(at, DiagnosticCodes.UnknownTask, $"unknown task '{s[1]}' in '{reference}'{Suggestions.For(s[1], tasks.Keys)}");
                }
                else if (!graph.IsUpstream(task.Id, s[1]))
                {
                    Report(at, DiagnosticCodes.TaskNotUpstream,
                        $"task '{task.Id}' reads outputs of '{s[1]}', which is not upstream of it; add '{s[1]}' to dependsOn");
                }
                else if (s.Count > 2 && s[2] != "outputs")
                {
                    Report(at, DiagnosticCodes.UnknownVariable, $"'{reference}' is not readable; use tasks.{s[1]}.outputs.<name>");
                }
                else if (s.Count > 3 && source.Activity is { } activity && IsClosed(activity.OutputSchema) && !activity.OutputNames.Contains(s[3]))
                {
                    Report(at, DiagnosticCodes.UnknownOutput,
                        $"activity '{activity.Type}' of task '{s[1]}' has no output '{s[3]}'{Suggestions.For(s[3], activity.OutputNames)}");
                }

                break;
            case "params" or "run" or "workflow" or "tasks" or "vars" or "trigger":
                break;
            default:
                Report(at, DiagnosticCodes.UnknownVariable,
                    $"unknown variable '{reference.Root}'{Suggestions.For(reference.Root, TemplateScope.Roots)}; templates read params, run, workflow, tasks, vars and trigger");
                break;
        }
    }

    private bool HasTriggers => root["triggers"] is { Kind: LocatedKind.Array, Items.Count: > 0 };

    private static bool IsClosed(JsonObject schema)
        => schema["additionalProperties"] is JsonValue v && v.TryGetValue<bool>(out var open) && !open;

    private void CheckBranches(Dictionary<string, TaskNode> tasks)
    {
        foreach (var task in tasks.Values.Where(t => t.Activity?.Type == BranchActivity))
        {
            var follow = task.Value["with"]?["follow"];
            var targets = follow switch
            {
                { Kind: LocatedKind.String } => [follow],
                { Kind: LocatedKind.Array } => follow.Items.Where(i => i.Kind == LocatedKind.String).ToList(),
                _ => [],
            };
            // core.branch reads a string as comma-separated ids, an array item as one id.
            var ids = targets
                .Where(t => !Liquid.IsTemplate(t.StringValue!))
                .SelectMany(t => follow!.Kind == LocatedKind.String
                    ? t.StringValue!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(id => (Target: t, Id: id))
                    : [(Target: t, Id: t.StringValue!)]);
            foreach (var (target, id) in ids)
            {
                if (!tasks.TryGetValue(id, out var downstream) || downstream.DependsOn.All(d => d.Id != task.Id))
                {
                    var direct = tasks.Values.Where(t => t.DependsOn.Any(d => d.Id == task.Id)).Select(t => t.Id).ToList();
                    Report(target, DiagnosticCodes.InvalidBranchTarget,
                        $"branch '{task.Id}' can only follow its direct downstream tasks ({(direct.Count == 0 ? "none" : string.Join(", ", direct))}), not '{id}'");
                }
            }
        }
    }
}
