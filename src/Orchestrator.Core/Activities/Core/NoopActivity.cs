namespace Orchestrator.Core.Activities.Core;

[Activity("core.noop", Description = "Does nothing and succeeds. A join point or a placeholder.")]
public sealed class NoopActivity : Activity<NoopActivity.Input, NoOutput>
{
    public sealed record Input;

    protected override Task<NoOutput> ExecuteAsync(Input input, ActivityContext context) => Task.FromResult(new NoOutput());
}
