using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orchestrator.Core.Model;

namespace Orchestrator.Core.Storage;

/// <summary>An immutable snapshot of a workflow definition; every run points at the version it ran.</summary>
public sealed record WorkflowVersionRecord(string WorkflowId, string Version, string DefinitionJson, DateTimeOffset CreatedAt);

/// <summary>One execution of a workflow version.</summary>
public sealed record RunRecord
{
    public required Guid Id { get; init; }
    public required string WorkflowId { get; init; }
    public required string WorkflowVersion { get; init; }
    public required RunKind Kind { get; init; }
    public required RunState State { get; init; }
    public required DateTimeOffset LogicalDate { get; init; }
    public required DateTimeOffset DataIntervalStart { get; init; }
    public required DateTimeOffset DataIntervalEnd { get; init; }
    public required IReadOnlyDictionary<string, JsonElement> Params { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    public string? Error { get; init; }

    /// <summary>The batch that started an event run (templates read it as <c>trigger.*</c>); null for other runs.</summary>
    public Engine.RunTrigger? Trigger { get; init; }
}

/// <summary>One task inside one run.</summary>
public sealed record TaskInstanceRecord
{
    public required Guid RunId { get; init; }
    public required string TaskId { get; init; }
    public required TaskState State { get; init; }

    /// <summary>Attempts started so far.</summary>
    public int Attempts { get; init; }

    /// <summary>1 + retries.</summary>
    public required int MaxAttempts { get; init; }

    public DateTimeOffset? NextAttemptAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>The outputs of the successful attempt (a JSON object of at most 64 KiB).</summary>
    public JsonElement? Outputs { get; init; }

    public string? Error { get; init; }
}

/// <summary>One try of a task; <see cref="Outcome"/> is null while it runs.</summary>
public sealed record AttemptRecord
{
    public required Guid RunId { get; init; }
    public required string TaskId { get; init; }
    public required int Number { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    public AttemptOutcome? Outcome { get; init; }
    public string? Error { get; init; }

    /// <summary>When the task instance was queued for this attempt (null where the queue does not keep it).</summary>
    public DateTimeOffset? QueuedAt { get; init; }

    /// <summary>The node (worker name) that ran the attempt.</summary>
    public string? Worker { get; init; }

    /// <summary>The attempt's rendered inputs, secrets masked; null while it runs, or when they did not render.</summary>
    public JsonElement? Inputs { get; init; }
}

/// <summary>A line of a task attempt's log.</summary>
public sealed record TaskLogLine(Guid RunId, string TaskId, int Attempt, long Sequence, DateTimeOffset Timestamp, LogLevel Level, string Message)
{
    /// <summary>The line as text (alert messages, log downloads): ISO time, level, message.</summary>
    public string ToText() => $"{Templates.TemplateScope.Iso(Timestamp)} {Level} {Message}";
}

/// <summary>
/// State changes that belong together (a task's new state, the queuing of its downstream, an attempt, the run's
/// state) and are persisted in one transaction.
/// </summary>
public sealed record RunChanges(
    RunRecord? Run,
    IReadOnlyList<TaskInstanceRecord> Tasks,
    IReadOnlyList<AttemptRecord> Attempts)
{
    public bool IsEmpty => Run is null && Tasks.Count == 0 && Attempts.Count == 0;
}

/// <summary>A run with its task instances and attempts.</summary>
public sealed record RunDetails(RunRecord Run, IReadOnlyList<TaskInstanceRecord> Tasks, IReadOnlyList<AttemptRecord> Attempts);

/// <summary>Filter for listing runs; null fields match everything.</summary>
public sealed record RunFilter(string? WorkflowId = null, RunState? State = null, DateTimeOffset? LogicalDate = null);

/// <summary>
/// A page request: at most <paramref name="Take"/> items, after <paramref name="After"/> (the position of the previous
/// page's last item) when set. Lists that page with a cursor read straight off an index however deep the page;
/// <paramref name="Skip"/> is for the internal callers that read the first items only.
/// </summary>
public sealed record Page(int Skip = 0, int Take = 50, ListCursor? After = null);

/// <summary>
/// A position in a newest-first list: the instant the list is ordered by and the id that breaks ties. The next page
/// holds the items strictly older than it, so items created meanwhile neither shift nor repeat a page.
/// </summary>
public sealed record ListCursor(DateTimeOffset At, Guid Id)
{
    /// <summary>An opaque, URL-safe token (base64url of the UTC ticks and the id's bytes).</summary>
    public string Encode()
    {
        Span<byte> bytes = stackalloc byte[24];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes, At.UtcTicks);
        Id.TryWriteBytes(bytes[8..], bigEndian: true, out _);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>Reads a token made by <see cref="Encode"/>; false for anything else.</summary>
    public static bool TryDecode(string? token, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ListCursor? cursor)
    {
        cursor = null;
        if (token is not { Length: 32 })
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[24];
        var base64 = token.Replace('-', '+').Replace('_', '/');
        if (!Convert.TryFromBase64String(base64, bytes, out var written) || written != 24)
        {
            return false;
        }

        var ticks = System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(bytes);
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            return false;
        }

        cursor = new ListCursor(new DateTimeOffset(ticks, TimeSpan.Zero), new Guid(bytes[8..], bigEndian: true));
        return true;
    }
}
