using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Orchestrator.Core.Activities.Core;

[Activity("core.fail", Description = "Fails its first failAttempts attempts (always, when absent), then succeeds. For demos and tests of retries and trigger rules.")]
public sealed class FailActivity : Activity<FailActivity.Input, FailActivity.Output>
{
    public sealed record Input
    {
        [Description("The error message of a failing attempt.")]
        public string? Message { get; init; }

        [Description("How many attempts fail before one succeeds; absent: every attempt fails.")]
        [Range(0, 1000)]
        public int? FailAttempts { get; init; }
    }

    public sealed record Output
    {
        [Description("The attempt that succeeded.")]
        public required int SucceededOnAttempt { get; init; }
    }

    protected override Task<Output> ExecuteAsync(Input input, ActivityContext context)
    {
        if (input.FailAttempts is not { } failing || context.Attempt <= failing)
        {
            throw new ActivityFailedException(input.Message ?? $"core.fail failed attempt {context.Attempt} on purpose");
        }

        return Task.FromResult(new Output { SucceededOnAttempt = context.Attempt });
    }
}
