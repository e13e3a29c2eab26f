using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;

namespace Orchestrator.Persistence.Tests;

/// <summary>Records with every field set to something a careless mapping would lose.</summary>
public static class Samples
{
    /// <summary>Sub-millisecond ticks (whole microseconds: what PostgreSQL keeps) and a non-UTC offset.</summary>
    public static readonly DateTimeOffset T0 = new DateTimeOffset(2025, 3, 14, 15, 9, 26, TimeSpan.FromHours(2)).AddTicks(5_358_970);

    public static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static long _logicalDates;

    /// <summary>A run; each sample gets its own logical date, as a workflow has one run per logical date.</summary>
    public static RunRecord Run(string workflowId = "orders", DateTimeOffset? createdAt = null, RunState state = RunState.Queued, Guid? id = null) => new()
    {
        Id = id ?? Guid.NewGuid(),
        WorkflowId = workflowId,
        WorkflowVersion = "0123456789abcdef",
        Kind = RunKind.Manual,
        State = state,
        LogicalDate = T0.AddTicks(Interlocked.Increment(ref _logicalDates) * TimeSpan.TicksPerSecond),
        DataIntervalStart = T0,
        DataIntervalEnd = T0.AddDays(1),
        Params = new Dictionary<string, JsonElement>(),
        CreatedAt = createdAt ?? T0,
    };

    public static RunRecord FullRun() => Run() with
    {
        Kind = RunKind.Backfill,
        State = RunState.Failed,
        LogicalDate = T0.AddHours(-1),
        DataIntervalStart = T0.AddHours(-1),
        DataIntervalEnd = new DateTimeOffset(2025, 3, 15, 0, 0, 0, TimeSpan.FromHours(-5)),
        Params = new Dictionary<string, JsonElement>
        {
            ["region"] = Json("\"eu-west\""),
            ["limit"] = Json("12.5"),
            ["dryRun"] = Json("true"),
            ["tags"] = Json("[\"a\",\"é\",null]"),
            ["window"] = Json("{\"from\":1,\"to\":{\"nested\":[1,2]}}"),
            ["nothing"] = Json("null"),
        },
        StartedAt = T0.AddSeconds(1),
        EndedAt = T0.AddMinutes(2).AddTicks(10),
        Error = "task 'load' failed: boom",
        Trigger = new Core.Engine.RunTrigger
        {
            Type = "kafka",
            Connection = "events",
            Group = "orchestrator.orders",
            Path = "triggers/orders/0192.jsonl",
            Count = 12,
            Topics = ["orders", "refunds"],
            Offsets = [new Core.Engine.TriggerOffsets("orders", 0, 100, 109, 10), new Core.Engine.TriggerOffsets("refunds", 3, 9_000_000_000, 9_000_000_001, 2)],
        },
    };

    public static TaskInstanceRecord Task(Guid runId, string taskId, TaskState state = TaskState.Pending) => new()
    {
        RunId = runId,
        TaskId = taskId,
        State = state,
        MaxAttempts = 3,
    };

    public static TaskInstanceRecord FullTask(Guid runId, string taskId) => Task(runId, taskId, TaskState.Succeeded) with
    {
        Attempts = 2,
        NextAttemptAt = T0.AddSeconds(30),
        StartedAt = T0.AddSeconds(3),
        EndedAt = T0.AddSeconds(4).AddTicks(70),
        Outputs = Json("{\"rows\":42,\"path\":\"out/x.csv\",\"ok\":true,\"list\":[1.5,\"two\"]}"),
        Error = "attempt 1: connection reset",
    };

    public static AttemptRecord Attempt(Guid runId, string taskId, int number) => new()
    {
        RunId = runId,
        TaskId = taskId,
        Number = number,
        StartedAt = T0.AddSeconds(number),
    };

    public static TaskLogLine Line(Guid runId, string taskId, int attempt, int n, LogLevel level = LogLevel.Information)
        => new(runId, taskId, attempt, ((long)attempt << 32) | (uint)n, T0.AddMilliseconds(n).AddTicks(30), level, $"line {n} of attempt {attempt}");
}
