namespace Orchestrator.Core.Activities;

/// <summary>Names an activity type and describes it for the catalog and the designer palette.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ActivityAttribute(string type) : Attribute
{
    /// <summary>Catalog name, e.g. <c>core.shell</c>.</summary>
    public string Type { get; } = type;

    public string Category { get; init; } = "Core";

    public string Description { get; init; } = "";
}
