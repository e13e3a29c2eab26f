using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Core.Activities;

/// <summary>What an activity returns to the engine: its outputs and, for branching activities, the tasks to follow.</summary>
public sealed record ActivityResult(JsonObject Outputs, IReadOnlyList<string>? FollowTasks = null);

/// <summary>The untyped contract the engine calls. Implement <see cref="Activity{TInput,TOutput}"/> instead.</summary>
public interface IActivity
{
    Task<ActivityResult> ExecuteAsync(JsonObject input, ActivityContext context);
}

/// <summary>An output that tells the engine which direct downstream tasks to follow (the others are skipped).</summary>
public interface IBranchDecision
{
    IReadOnlyList<string> Follow { get; }
}

/// <summary>
/// A step type with typed input and output records. The engine owns retries, timeouts, persistence and logging
/// plumbing; an activity only does its work and throws when it fails.
/// </summary>
public abstract class Activity<TInput, TOutput> : IActivity
    where TInput : class
    where TOutput : class
{
    public async Task<ActivityResult> ExecuteAsync(JsonObject input, ActivityContext context)
    {
        TInput typed;
        try
        {
            typed = input.Deserialize<TInput>(Json.OrchestratorJson.Activities)
                ?? throw new ActivityInputException("inputs are missing");
        }
        catch (JsonException e)
        {
            throw new ActivityInputException(e.Message, e);
        }

        var output = await ExecuteAsync(typed, context).ConfigureAwait(false);
        var outputs = JsonSerializer.SerializeToNode(output, Json.OrchestratorJson.Activities) as JsonObject ?? [];
        return new ActivityResult(outputs, (output as IBranchDecision)?.Follow);
    }

    protected abstract Task<TOutput> ExecuteAsync(TInput input, ActivityContext context);
}

/// <summary>The output of activities that produce nothing.</summary>
public sealed record NoOutput;

/// <summary>An activity failure with a message meant for the person reading the run.</summary>
public class ActivityFailedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A failure that cannot succeed on retry (a client error answered by a remote service, data that does not convert,
/// SQL that names a missing column): the engine fails the task without retrying it, unless its <c>retryOn</c> is
/// <c>any</c>. <see cref="Reason"/> says why in the task's log ("not retried: ...").
/// </summary>
public class PermanentActivityException(string message, string reason, Exception? inner = null) : ActivityFailedException(message, inner)
{
    public string Reason { get; } = reason;
}

/// <summary>Rendered inputs that do not fit the activity's input record.</summary>
public sealed class ActivityInputException(string message, Exception? inner = null)
    : PermanentActivityException($"invalid input: {message}", "the inputs are invalid", inner);
