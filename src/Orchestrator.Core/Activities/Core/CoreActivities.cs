namespace Orchestrator.Core.Activities.Core;

/// <summary>The built-in <c>core.*</c> activity types.</summary>
public static class CoreActivities
{
    public static IReadOnlyList<Type> Types { get; } =
    [
        typeof(NoopActivity),
        typeof(SleepActivity),
        typeof(FailActivity),
        typeof(LogActivity),
        typeof(BranchActivity),
        typeof(ShellActivity),
        typeof(HttpActivity),
    ];

    public static IEnumerable<ActivityDescriptor> Descriptors() => Types.Select(ActivityDescriptor.From);
}
