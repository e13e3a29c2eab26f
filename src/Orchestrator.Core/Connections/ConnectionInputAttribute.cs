namespace Orchestrator.Core.Connections;

/// <summary>
/// Marks an activity input that names a connection, with the connection types it accepts. The validator checks
/// literal names against the configured connections, so a typo fails before the run.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ConnectionInputAttribute(params string[] types) : Attribute
{
    public IReadOnlyList<string> Types { get; } = types;
}
