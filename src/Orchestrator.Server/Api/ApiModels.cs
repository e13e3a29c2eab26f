using System.Text.Json;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Core.Validation;

namespace Orchestrator.Server.Api;

/// <summary>A located validation error.</summary>
public sealed record DiagnosticDto(string File, int Line, int Column, string Path, string Code, string Message)
{
    public static DiagnosticDto From(Diagnostic d) => new(d.File, d.Position.Line, d.Position.Column, d.Path, d.Code, d.Message);
}

public sealed record ScheduleDto(string Cron, string Timezone, DateTimeOffset? Start, DateTimeOffset? End, bool Catchup);

public sealed record RunSummaryDto(Guid Id, RunKind Kind, RunState State, DateTimeOffset LogicalDate, DateTimeOffset CreatedAt, DateTimeOffset? EndedAt)
{
    public static RunSummaryDto From(RunSummary r) => new(r.Id, r.Kind, r.State, r.LogicalDate, r.CreatedAt, r.EndedAt);

    public static RunSummaryDto From(RunRecord r) => new(r.Id, r.Kind, r.State, r.LogicalDate, r.CreatedAt, r.EndedAt);
}

/// <summary>A workflow in the list: what it is, when it runs next, how it last ran and its newest runs (newest first).</summary>
public sealed record WorkflowSummaryDto(
    string Id,
    string? Name,
    string? Description,
    IReadOnlyList<string> Tags,
    string? Version,
    bool Active,
    bool Paused,
    ScheduleDto? Schedule,
    DateTimeOffset? NextRunAt,
    RunSummaryDto? LastRun,
    IReadOnlyList<RunSummaryDto> RecentRuns,
    int TaskCount,
    int ErrorCount,
    string File);

/// <summary>
/// A trigger of a workflow as this node runs it: <c>running</c> when this node has a loop for it (the workflow is
/// active and not paused), <c>consuming</c> when this node's consumer holds partitions of the group (in a cluster,
/// one node does), and the last failure since the last good read.
/// </summary>
public sealed record TriggerStatusDto(
    int Index,
    string Type,
    string Connection,
    string Group,
    IReadOnlyList<string> Topics,
    int BatchSize,
    TimeSpan MaxWait,
    bool Running,
    bool Consuming,
    string? LastError);

/// <summary>A version of a workflow; <c>active</c> for the one new runs use.</summary>
public sealed record VersionDto(string Version, DateTimeOffset CreatedAt, bool Active)
{
    public static List<VersionDto> List(IEnumerable<WorkflowVersionRecord> versions, Workflows.WorkflowEntry entry)
        => versions.Select(v => new VersionDto(v.Version, v.CreatedAt, v.Version == entry.Plan?.Version)).ToList();
}

public sealed record WorkflowDetailDto(WorkflowSummaryDto Workflow, WorkflowDefinition? Definition, IReadOnlyList<VersionDto> Versions, IReadOnlyList<DiagnosticDto> Errors);

public sealed record ValidationDto(bool Valid, IReadOnlyList<DiagnosticDto> Errors);

/// <summary>Body of a trigger: params, and optionally the logical date.</summary>
public sealed record TriggerRequest(Dictionary<string, JsonElement>? Params = null, DateTimeOffset? LogicalDate = null);

/// <summary>
/// Body of a draft run: a whole definition, not saved, and its params. Errors of the definition are located in the
/// definition's own text (line 1 is the line of its opening brace).
/// </summary>
public sealed record DraftRunRequest(WorkflowDefinition Definition, Dictionary<string, JsonElement>? Params = null);

/// <summary>Body of a rename: the workflow's new id.</summary>
public sealed record RenameRequest(string NewId);

/// <summary>Tasks to clear; <c>downstream</c> (default true) clears everything after them too.</summary>
public sealed record ClearRequest(IReadOnlyList<string> Tasks, bool? Downstream = null);

public sealed record BackfillRequest(DateTimeOffset From, DateTimeOffset To, Dictionary<string, JsonElement>? Params = null);

public sealed record BackfillDto(IReadOnlyList<RunSummaryDto> Created, IReadOnlyList<DateTimeOffset> Skipped);

public sealed record RunDto(
    Guid Id,
    string WorkflowId,
    string WorkflowVersion,
    RunKind Kind,
    RunState State,
    DateTimeOffset LogicalDate,
    DateTimeOffset DataIntervalStart,
    DateTimeOffset DataIntervalEnd,
    IReadOnlyDictionary<string, JsonElement> Params,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    string? Error,
    Core.Engine.RunTrigger? Trigger)
{
    public static RunDto From(RunRecord r) => new(r.Id, r.WorkflowId, r.WorkflowVersion, r.Kind, r.State, r.LogicalDate,
        r.DataIntervalStart, r.DataIntervalEnd, r.Params, r.CreatedAt, r.StartedAt, r.EndedAt, r.Error, r.Trigger);
}

/// <summary>
/// One attempt: queued (when the queue keeps it), started and ended, by which worker (node), how it ended, and the
/// inputs it was given after rendering (secrets masked; null while it runs).
/// </summary>
public sealed record AttemptDto(
    int Number,
    DateTimeOffset? QueuedAt,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    AttemptOutcome? Outcome,
    string? Error,
    string? Worker,
    JsonElement? Inputs)
{
    public static AttemptDto From(AttemptRecord a) => new(a.Number, a.QueuedAt, a.StartedAt, a.EndedAt, a.Outcome, a.Error, a.Worker, a.Inputs);
}

public sealed record TaskInstanceDto(
    string TaskId,
    TaskState State,
    int Attempts,
    int MaxAttempts,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    JsonElement? Outputs,
    string? Error,
    IReadOnlyList<AttemptDto> AttemptHistory);

public sealed record RunDetailDto(RunDto Run, IReadOnlyList<TaskInstanceDto> Tasks)
{
    public static RunDetailDto From(RunDetails d) => new(
        RunDto.From(d.Run),
        d.Tasks.Select(t => new TaskInstanceDto(t.TaskId, t.State, t.Attempts, t.MaxAttempts, t.NextAttemptAt, t.StartedAt, t.EndedAt, t.Outputs, t.Error,
            d.Attempts.Where(a => a.TaskId == t.TaskId).Select(AttemptDto.From).ToList())).ToList());
}

/// <summary>
/// A page of a newest-first list. <c>NextCursor</c>, when set, is passed as <c>?cursor=</c> for the next (older)
/// page; null means this page is the last.
/// </summary>
public sealed record PageDto<T>(IReadOnlyList<T> Items, int Take, string? NextCursor)
{
    /// <summary>A page from <paramref name="rows"/> read with one row more than asked: the extra row says whether a next page exists.</summary>
    public static PageDto<T> From<TRow>(IReadOnlyList<TRow> rows, int take, Func<TRow, T> map, Func<TRow, Core.Storage.ListCursor> position)
        => new(rows.Take(take).Select(map).ToList(), take, rows.Count > take ? position(rows[take - 1]).Encode() : null);
}

public sealed record LogLineDto(int Attempt, long Sequence, DateTimeOffset Timestamp, string Level, string Message);

public sealed record LogPageDto(IReadOnlyList<LogLineDto> Lines, long NextAfter);

public sealed record ActivityDto(string Type, string Category, string Description, JsonElement InputSchema, JsonElement OutputSchema);
