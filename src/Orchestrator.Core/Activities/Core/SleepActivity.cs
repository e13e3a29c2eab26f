using System.ComponentModel;

namespace Orchestrator.Core.Activities.Core;

[Activity("core.sleep", Description = "Waits for a duration, then succeeds. Cancelled by timeouts and run cancellation.")]
public sealed class SleepActivity : Activity<SleepActivity.Input, SleepActivity.Output>
{
    public sealed record Input
    {
        [Description("How long to wait (ISO 8601 duration, e.g. PT5S).")]
        public required TimeSpan Duration { get; init; }
    }

    public sealed record Output
    {
        [Description("When the wait ended.")]
        public required DateTimeOffset WokeAt { get; init; }
    }

    protected override async Task<Output> ExecuteAsync(Input input, ActivityContext context)
    {
        await Task.Delay(input.Duration, context.Time, context.CancellationToken).ConfigureAwait(false);
        return new Output { WokeAt = context.Time.GetUtcNow() };
    }
}
