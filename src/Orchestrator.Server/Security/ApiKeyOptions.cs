using System.ComponentModel.DataAnnotations;

namespace Orchestrator.Server.Security;

/// <summary>Roles, each including the ones before it.</summary>
public enum ApiRole
{
    /// <summary>Reads workflows, runs, logs, the catalog.</summary>
    Viewer,

    /// <summary>Also triggers, cancels, backfills, pauses.</summary>
    Operator,

    /// <summary>Also saves workflow definitions.</summary>
    Editor,

    /// <summary>Everything.</summary>
    Admin,
}

/// <summary>One API key. Keys come from configuration or the environment, never from workflow files.</summary>
public sealed class ApiKey
{
    /// <summary>Who holds the key, for logs (the key itself is never logged).</summary>
    public string? Name { get; set; }

    [Required]
    [MinLength(16, ErrorMessage = "API keys must be at least 16 characters long.")]
    public string Key { get; set; } = "";

    public ApiRole Role { get; set; } = ApiRole.Viewer;
}

/// <summary>Section <c>Orchestrator:Security</c>.</summary>
public sealed class SecurityOptions
{
    public const string SectionName = "Orchestrator:Security";

    public List<ApiKey> ApiKeys { get; set; } = [];

    /// <summary>Require a key even on loopback. Keys are always required when the server listens beyond loopback.</summary>
    public bool RequireApiKeys { get; set; }
}
