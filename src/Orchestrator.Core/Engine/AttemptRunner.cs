using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Json;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Core.Templates;

namespace Orchestrator.Core.Engine;

/// <summary>How one attempt ended, as the engine records it.</summary>
public sealed record AttemptResult(
    AttemptOutcome Outcome,
    DateTimeOffset StartedAt,
    DateTimeOffset EndedAt,
    JsonElement? Outputs = null,
    IReadOnlyList<string>? Follow = null,
    string? Error = null)
{
    /// <summary>What the activity reported wrong without failing; each becomes an <c>anomaly</c> event.</summary>
    public IReadOnlyList<string> Anomalies { get; init; } = [];

    /// <summary>Why a failure cannot succeed on retry, when the activity said so; null for any other end.</summary>
    public string? Permanent { get; init; }

    /// <summary>The inputs as rendered for this attempt, secrets masked; null when they did not render or are too large to keep.</summary>
    public JsonElement? Inputs { get; init; }
}

/// <summary>
/// Runs one attempt of one task: renders its inputs, creates the activity, enforces the attempt timeout, and
/// classifies the end (succeeded, failed, timed out, cancelled). Activities only throw; this class decides what
/// the exception means. Retries are not decided here.
/// </summary>
public sealed partial class AttemptRunner(
    IServiceProvider services,
    TimeProvider time,
    DataDirectory data,
    ITaskLogStore logs,
    ILoggerFactory loggers,
    ILogger<AttemptRunner> logger)
{
    /// <summary>The category under which a task's own log lines also reach the host's log (besides the task log).</summary>
    public const string TaskLogCategory = "Orchestrator.Tasks";

    // Every line logged during an attempt (ours, the activity's, its libraries') carries these fields.
    private static readonly Func<ILogger, string, Guid, string, int, IDisposable?> AttemptScope =
        LoggerMessage.DefineScope<string, Guid, string, int>("Workflow {WorkflowId} run {RunId} task {TaskId} attempt {Attempt}");

    private readonly ILogger _taskLines = loggers.CreateLogger(TaskLogCategory);

    public async Task<AttemptResult> RunAsync(
        WorkflowPlan plan,
        TaskPlan task,
        RunContext run,
        int attempt,
        IReadOnlyDictionary<string, JsonElement> upstreamOutputs,
        IRunObserver? observer,
        CancellationToken runCancellation)
    {
        var startedAt = time.GetUtcNow();
        using var timeout = task.Timeout is { } limit
            ? new CancellationTokenSource(limit, time)
            : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(runCancellation, timeout.Token);
        // Secrets of connections never reach a task's log or error, whatever an activity or a client library writes.
        var connections = services.GetService(typeof(Connections.ConnectionCatalog)) as Connections.ConnectionCatalog;
        var taskLog = new TaskLogger(run.RunId, task.Id, attempt, time, logs, observer, connections is null ? null : connections.Mask)
        {
            Forward = _taskLines,
        };
        observer?.OnEvent(new AttemptStarted(run.RunId, startedAt, task.Id, attempt, task.Timeout));

        using var scope = AttemptScope(logger, run.WorkflowId, run.RunId, task.Id, attempt);
        LogAttemptStarted(logger, task.Id, attempt, task.Activity.Type);
        AttemptResult result;
        var anomalies = new AnomalyReport();
        JsonElement? rendered = null;
        try
        {
            var inputs = await task.Inputs.RenderAsync(task.Inputs.HasTemplates
                ? TemplateScope.Create(run, attempt, upstreamOutputs, Liquid.CreateOptions(time))
                : null).ConfigureAwait(false);
            rendered = Recorded(inputs, plan.Defaults.MaxOutputBytes, connections);

            // A run created before the activity was disabled (or by a node that allows it) does not run it here.
            if (services.GetService(typeof(ActivityRegistry)) is ActivityRegistry registry && registry.IsDisabled(task.Activity.Type))
            {
                throw new PermanentActivityException($"activity '{task.Activity.Type}' is disabled on this server (Orchestrator:Activities:Disabled)", "the activity is disabled");
            }

            var activity = task.Activity.Create(services);
            var context = new ActivityContext
            {
                Run = run,
                TaskId = task.Id,
                Attempt = attempt,
                Logger = taskLog,
                CancellationToken = linked.Token,
                Time = time,
                Services = services,
                Data = data,
                Anomalies = anomalies,
            };

            // WaitAsync: an activity that ignores its token still ends the attempt on time; it is abandoned.
            var outcome = await activity.ExecuteAsync(inputs, context).WaitAsync(linked.Token).ConfigureAwait(false);
            var outputs = JsonSerializer.SerializeToUtf8Bytes(outcome.Outputs, OrchestratorJsonContext.Default.JsonObject);
            result = outputs.Length > plan.Defaults.MaxOutputBytes
                ? Failed(startedAt, $"outputs are {outputs.Length} bytes, above the limit of {plan.Defaults.MaxOutputBytes}; pass large data by reference (a path, URI or table)")
                : new AttemptResult(AttemptOutcome.Succeeded, startedAt, time.GetUtcNow(), JsonDocument.Parse(outputs).RootElement.Clone(), outcome.FollowTasks);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !runCancellation.IsCancellationRequested)
        {
            result = new AttemptResult(AttemptOutcome.TimedOut, startedAt, time.GetUtcNow(),
                Error: $"timed out after {IsoDuration.Format(task.Timeout!.Value)}");
        }
        catch (OperationCanceledException) when (runCancellation.IsCancellationRequested)
        {
            result = new AttemptResult(AttemptOutcome.Cancelled, startedAt, time.GetUtcNow(), Error: "cancelled");
        }
        catch (PermanentActivityException e)
        {
            result = Failed(startedAt, e.Message) with { Permanent = e.Reason };
        }
        catch (FormatException e)
        {
            result = Failed(startedAt, e.Message) with { Permanent = "a value does not convert" };
        }
        catch (ActivityFailedException e)
        {
            result = Failed(startedAt, e.Message);
        }
        catch (Exception e)
        {
            result = Failed(startedAt, $"{e.GetType().Name}: {e.Message}");
        }

        if (result.Error is { } error && connections is not null)
        {
            result = result with { Error = connections.Mask(error) };
        }

        result = result with { Inputs = rendered };

        if (result.Outcome != AttemptOutcome.Succeeded)
        {
            taskLog.WriteOwn(LogLevel.Error, result.Error ?? "");
            if (result.Permanent is { } reason && !task.Retry.Covers(permanent: true))
            {
                taskLog.WriteOwn(LogLevel.Error, $"not retried: {reason}");
            }

            LogAttemptFailed(logger, task.Id, attempt, result.Outcome, (result.EndedAt - result.StartedAt).TotalSeconds, result.Error);
        }
        else
        {
            LogAttemptSucceeded(logger, task.Id, attempt, (result.EndedAt - result.StartedAt).TotalSeconds);
        }

        if (anomalies.Found is { Count: > 0 } found)
        {
            result = result with { Anomalies = connections is null ? found : [.. found.Select(connections.Mask)] };
            foreach (var anomaly in result.Anomalies)
            {
                observer?.OnEvent(new AnomalyReported(run.RunId, result.EndedAt, task.Id, attempt, anomaly, run.WorkflowId));
            }
        }

        await taskLog.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        observer?.OnEvent(new AttemptEnded(run.RunId, result.EndedAt, task.Id, attempt, result.Outcome, result.Error, task.Activity.Type, result.EndedAt - result.StartedAt));
        return result;
    }

    /// <summary>
    /// The inputs as the attempt keeps them for the API: every string with connection secrets masked (a password pasted
    /// into an input never leaves the server), and none at all above the outputs' size limit.
    /// </summary>
    private static JsonElement? Recorded(System.Text.Json.Nodes.JsonObject inputs, int limit, Connections.ConnectionCatalog? connections)
    {
        var masked = connections is null ? inputs : (System.Text.Json.Nodes.JsonObject)Masked(inputs, connections.Mask)!;
        var bytes = JsonSerializer.SerializeToUtf8Bytes(masked, OrchestratorJsonContext.Default.JsonObject);
        return bytes.Length > limit ? null : JsonDocument.Parse(bytes).RootElement.Clone();
    }

    private static System.Text.Json.Nodes.JsonNode? Masked(System.Text.Json.Nodes.JsonNode? node, Func<string, string> mask) => node switch
    {
        System.Text.Json.Nodes.JsonObject o => new System.Text.Json.Nodes.JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Masked(p.Value, mask)))),
        System.Text.Json.Nodes.JsonArray a => new System.Text.Json.Nodes.JsonArray([.. a.Select(v => Masked(v, mask))]),
        System.Text.Json.Nodes.JsonValue v when v.GetValueKind() == JsonValueKind.String => System.Text.Json.Nodes.JsonValue.Create(mask(v.GetValue<string>())),
        _ => node?.DeepClone(),
    };

    private AttemptResult Failed(DateTimeOffset startedAt, string error)
        => new(AttemptOutcome.Failed, startedAt, time.GetUtcNow(), Error: error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {TaskId} attempt {Attempt} started ({Activity})")]
    private static partial void LogAttemptStarted(ILogger logger, string taskId, int attempt, string activity);

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {TaskId} attempt {Attempt} succeeded in {Seconds:0.###} s")]
    private static partial void LogAttemptSucceeded(ILogger logger, string taskId, int attempt, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {TaskId} attempt {Attempt} ended {Outcome} after {Seconds:0.###} s: {Error}")]
    private static partial void LogAttemptFailed(ILogger logger, string taskId, int attempt, AttemptOutcome outcome, double seconds, string? error);
}
