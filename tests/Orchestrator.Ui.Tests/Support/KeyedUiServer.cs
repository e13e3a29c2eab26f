namespace Orchestrator.Ui.Tests.Support;

/// <summary>The same server requiring API keys: an admin key for the test's own calls, and a viewer's key.</summary>
public sealed class KeyedUiServer : UiServer
{
    public const string AdminKey = "admin-key-0123456789";
    public const string ViewerKey = "viewer-key-0123456789";

    protected override IReadOnlyDictionary<string, string?> ExtraSettings { get; } = new Dictionary<string, string?>
    {
        ["Orchestrator:Security:RequireApiKeys"] = "true",
        ["Orchestrator:Security:ApiKeys:0:Key"] = AdminKey,
        ["Orchestrator:Security:ApiKeys:0:Role"] = "Admin",
        ["Orchestrator:Security:ApiKeys:1:Key"] = ViewerKey,
        ["Orchestrator:Security:ApiKeys:1:Role"] = "Viewer",
    };
}
