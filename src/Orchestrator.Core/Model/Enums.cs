using System.Text.Json.Serialization;

namespace Orchestrator.Core.Model;

/// <summary>Airflow's trigger rules, same names and meaning.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TriggerRule>))]
public enum TriggerRule
{
    [JsonStringEnumMemberName("all_success")] AllSuccess,
    [JsonStringEnumMemberName("all_failed")] AllFailed,
    [JsonStringEnumMemberName("all_done")] AllDone,
    [JsonStringEnumMemberName("all_done_min_one_success")] AllDoneMinOneSuccess,
    [JsonStringEnumMemberName("all_skipped")] AllSkipped,
    [JsonStringEnumMemberName("one_success")] OneSuccess,
    [JsonStringEnumMemberName("one_failed")] OneFailed,
    [JsonStringEnumMemberName("one_done")] OneDone,
    [JsonStringEnumMemberName("none_failed")] NoneFailed,
    [JsonStringEnumMemberName("none_failed_min_one_success")] NoneFailedMinOneSuccess,
    [JsonStringEnumMemberName("none_skipped")] NoneSkipped,
    [JsonStringEnumMemberName("always")] Always,
}

[JsonConverter(typeof(JsonStringEnumConverter<RetryBackoff>))]
public enum RetryBackoff
{
    [JsonStringEnumMemberName("constant")] Constant,
    [JsonStringEnumMemberName("exponential")] Exponential,
}

/// <summary>Which failures are retried: <c>transient</c> ones (not those an activity marks permanent), or <c>any</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RetryOn>))]
public enum RetryOn
{
    [JsonStringEnumMemberName("transient")] Transient,
    [JsonStringEnumMemberName("any")] Any,
}

/// <summary>Events a run produces; alert rules subscribe to them.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AlertEvent>))]
public enum AlertEvent
{
    [JsonStringEnumMemberName("task_failed")] TaskFailed,
    [JsonStringEnumMemberName("task_retry")] TaskRetry,
    [JsonStringEnumMemberName("run_failed")] RunFailed,
    [JsonStringEnumMemberName("run_succeeded")] RunSucceeded,
    [JsonStringEnumMemberName("run_recovered")] RunRecovered,
    [JsonStringEnumMemberName("sla_missed")] SlaMissed,
    [JsonStringEnumMemberName("anomaly")] Anomaly,
}

[JsonConverter(typeof(JsonStringEnumConverter<TaskState>))]
public enum TaskState
{
    [JsonStringEnumMemberName("pending")] Pending,
    [JsonStringEnumMemberName("queued")] Queued,
    [JsonStringEnumMemberName("running")] Running,
    [JsonStringEnumMemberName("up_for_retry")] UpForRetry,
    [JsonStringEnumMemberName("succeeded")] Succeeded,
    [JsonStringEnumMemberName("failed")] Failed,
    [JsonStringEnumMemberName("upstream_failed")] UpstreamFailed,
    [JsonStringEnumMemberName("skipped")] Skipped,
    [JsonStringEnumMemberName("cancelled")] Cancelled,
}

[JsonConverter(typeof(JsonStringEnumConverter<RunState>))]
public enum RunState
{
    [JsonStringEnumMemberName("queued")] Queued,
    [JsonStringEnumMemberName("running")] Running,
    [JsonStringEnumMemberName("succeeded")] Succeeded,
    [JsonStringEnumMemberName("failed")] Failed,
    [JsonStringEnumMemberName("cancelled")] Cancelled,
}

[JsonConverter(typeof(JsonStringEnumConverter<RunKind>))]
public enum RunKind
{
    [JsonStringEnumMemberName("scheduled")] Scheduled,
    [JsonStringEnumMemberName("manual")] Manual,
    [JsonStringEnumMemberName("backfill")] Backfill,
    [JsonStringEnumMemberName("event")] Event,

    /// <summary>A one-off run of an unsaved definition (the designer's test run); its workflow file is not touched.</summary>
    [JsonStringEnumMemberName("draft")] Draft,
}

/// <summary>How one attempt of a task ended.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AttemptOutcome>))]
public enum AttemptOutcome
{
    [JsonStringEnumMemberName("succeeded")] Succeeded,
    [JsonStringEnumMemberName("failed")] Failed,
    [JsonStringEnumMemberName("timed_out")] TimedOut,
    [JsonStringEnumMemberName("cancelled")] Cancelled,

    /// <summary>The worker stopped renewing its lease (its node died); a failed attempt, retried by policy.</summary>
    [JsonStringEnumMemberName("lease_expired")] LeaseExpired,
}

public static class StateExtensions
{
    public static bool IsFinal(this TaskState state) => state >= TaskState.Succeeded;

    public static bool IsFinal(this RunState state) => state >= RunState.Succeeded;
}
