using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Orchestrator.Core.Schema;

namespace Orchestrator.Core.Model;

/// <summary>A workflow as written in a <c>workflows/*.json</c> file: a DAG of tasks plus schedule, params and policies.</summary>
public sealed record WorkflowDefinition
{
    [JsonPropertyName("$schema")]
    [Description("Path or URL of the JSON Schema, for editors (usually ./workflow.schema.json).")]
    public string? Schema { get; init; }

    [Description("Unique workflow id.")]
    [RegularExpression(Ids.Pattern)]
    [MaxLength(Ids.MaxLength)]
    public required string Id { get; init; }

    [Description("Display name.")]
    public string? Name { get; init; }

    [Description("What the workflow does, for people.")]
    public string? Description { get; init; }

    [Description("Free-form labels for filtering.")]
    public IReadOnlyList<string>? Tags { get; init; }

    [Description("When runs are created: a cron string, an object with cron/timezone/start/end/catchup, or null for manual runs only.")]
    public ScheduleDefinition? Schedule { get; init; }

    [Description("Event triggers: each batch of records read from a stream starts a run of kind event, which reads the batch as trigger.*.")]
    public IReadOnlyList<TriggerDefinition>? Triggers { get; init; }

    [Description("Run parameters by name, with JSON-Schema-like types, defaults and constraints.")]
    public IReadOnlyDictionary<string, ParamDefinition>? Params { get; init; }

    [Description("Retry and timeout policy applied to every task unless the task overrides it.")]
    public TaskDefaults? Defaults { get; init; }

    [Description("Limits on parallel runs and tasks.")]
    public ConcurrencyLimits? Concurrency { get; init; }

    [Description("A run not finished this long after its scheduled time raises sla_missed (ISO 8601 duration).")]
    public TimeSpan? Sla { get; init; }

    [Description("A run still going after this long is failed and its running tasks are stopped (ISO 8601 duration).")]
    public TimeSpan? RunTimeout { get; init; }

    [Description("Which events notify which channels.")]
    public IReadOnlyList<AlertRule>? Alerts { get; init; }

    [Description("The tasks of the DAG; order is cosmetic.")]
    [MinLength(1)]
    public required IReadOnlyList<TaskDefinition> Tasks { get; init; }
}

/// <summary>One node of the DAG: an activity with its inputs, dependencies and policy overrides.</summary>
public sealed record TaskDefinition
{
    [Description("Task id, unique within the workflow.")]
    [RegularExpression(Ids.Pattern)]
    [MaxLength(Ids.MaxLength)]
    public required string Id { get; init; }

    [Description("Display name.")]
    public string? Name { get; init; }

    [Description("What the task does, for people.")]
    public string? Description { get; init; }

    [Description("Activity type, e.g. core.shell (see `orchestrator activities`).")]
    public required string Activity { get; init; }

    [Description("Activity inputs. Strings may be Liquid templates; a string that is exactly one {{ expr }} keeps the value's JSON type.")]
    public IReadOnlyDictionary<string, System.Text.Json.JsonElement>? With { get; init; }

    [Description("Ids of upstream tasks.")]
    [RegularExpression(Ids.Pattern)]
    public IReadOnlyList<string>? DependsOn { get; init; }

    [Description("When the task runs, given its upstream states (Airflow's trigger rules). Default all_success.")]
    public TriggerRule? TriggerRule { get; init; }

    [Description("Extra attempts after the first.")]
    [Range(0, 100)]
    public int? Retries { get; init; }

    [Description("Delay before a retry (ISO 8601 duration).")]
    public TimeSpan? RetryDelay { get; init; }

    [Description("constant or exponential.")]
    public RetryBackoff? RetryBackoff { get; init; }

    [Description("Upper bound of an exponential retry delay (ISO 8601 duration).")]
    public TimeSpan? MaxRetryDelay { get; init; }

    [Description("Which failures are retried: transient (default; not those that cannot succeed on retry, such as an HTTP 404, a conversion error or an SQL syntax error) or any.")]
    public RetryOn? RetryOn { get; init; }

    [Description("Per-attempt time limit (ISO 8601 duration); a timeout is a failed attempt.")]
    public TimeSpan? Timeout { get; init; }

    [Description("A named pool (server setting Orchestrator:Pools:<name> = slots) whose slots the task's attempts take, shared by all runs on all nodes.")]
    [RegularExpression(Ids.Pattern)]
    public string? Pool { get; init; }

    [Description("How many slots of the pool an attempt takes. Default 1.")]
    [Range(1, 1000)]
    public int? PoolSlots { get; init; }

    [Description("Designer layout; absent means auto-layout.")]
    public TaskLayout? Ui { get; init; }
}

/// <summary>Workflow-wide task policy defaults.</summary>
public sealed record TaskDefaults
{
    [Description("Extra attempts after the first.")]
    [Range(0, 100)]
    public int? Retries { get; init; }

    [Description("Delay before a retry (ISO 8601 duration).")]
    public TimeSpan? RetryDelay { get; init; }

    [Description("constant or exponential.")]
    public RetryBackoff? RetryBackoff { get; init; }

    [Description("Upper bound of an exponential retry delay (ISO 8601 duration).")]
    public TimeSpan? MaxRetryDelay { get; init; }

    [Description("Which failures are retried: transient (default; not those that cannot succeed on retry, such as an HTTP 404, a conversion error or an SQL syntax error) or any.")]
    public RetryOn? RetryOn { get; init; }

    [Description("Per-attempt time limit (ISO 8601 duration).")]
    public TimeSpan? Timeout { get; init; }

    [Description("The pool of every task that names none.")]
    [RegularExpression(Ids.Pattern)]
    public string? Pool { get; init; }
}

/// <summary>Parallelism limits.</summary>
public sealed record ConcurrencyLimits
{
    [Description("Runs of this workflow that may be active at once.")]
    [Range(1, 10_000)]
    public int? MaxActiveRuns { get; init; }

    [Description("Tasks of one run that may run at once.")]
    [Range(1, 10_000)]
    public int? MaxActiveTasks { get; init; }
}

/// <summary>Which events notify which channels.</summary>
public sealed record AlertRule
{
    [Description("Events that trigger this rule.")]
    [MinLength(1)]
    public required IReadOnlyList<AlertEvent> On { get; init; }

    [Description("Channels to notify, as kind:name (email:data-team, slack:alerts).")]
    [MinLength(1)]
    [RegularExpression(ChannelReference.Pattern)]
    public required IReadOnlyList<string> Notify { get; init; }
}

/// <summary>Designer coordinates of a task.</summary>
public sealed record TaskLayout
{
    [Description("Horizontal position.")]
    public required double X { get; init; }

    [Description("Vertical position.")]
    public required double Y { get; init; }
}

/// <summary>The id syntax shared by workflows, tasks, params and channels.</summary>
public static class Ids
{
    public const string Pattern = "^[a-z0-9][a-z0-9_.-]*$";

    /// <summary>The longest workflow or task id: it names files, URLs and database keys.</summary>
    public const int MaxLength = 128;
}
