using System.ComponentModel.DataAnnotations;

namespace Orchestrator.Server.Hosting;

/// <summary>Server settings, section <c>Orchestrator</c>; every one also settable as <c>Orchestrator__Name</c> in the environment.</summary>
public sealed class OrchestratorOptions
{
    public const string SectionName = "Orchestrator";

    /// <summary>Working directory of activities and home of the embedded SQLite database.</summary>
    [Required]
    public string DataDirectory { get; set; } = "data";

    /// <summary>The folder of workflow files, loaded at start and watched.</summary>
    [Required]
    public string WorkflowsDirectory { get; set; } = "workflows";

    /// <summary>This node's name in leases and logs; defaults to the machine name and process id.</summary>
    public string? NodeName { get; set; }

    /// <summary><c>text</c> (default) or <c>json</c>: one JSON object per log line on the console, for ELK and the like.</summary>
    [RegularExpression("^(text|json)$", ErrorMessage = "Orchestrator:LogFormat must be text or json.")]
    public string LogFormat { get; set; } = "text";

    /// <summary>The URL people reach the server at, for links in alerts.</summary>
    [Url]
    public string? PublicUrl { get; set; }

    /// <summary>The largest request body the server reads, in bytes (default 5 MiB); a larger one is answered 413.</summary>
    [Range(1, long.MaxValue, ErrorMessage = "Orchestrator:MaxRequestBodySize must be at least 1 byte.")]
    public long MaxRequestBodySize { get; set; } = 5 * 1024 * 1024;
}

/// <summary>Section <c>Orchestrator:Database</c>.</summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "Orchestrator:Database";

    /// <summary><c>sqlite</c> (embedded default) or <c>postgresql</c>.</summary>
    [Required]
    [RegularExpression("^(sqlite|postgresql)$", ErrorMessage = "Orchestrator:Database:Provider must be sqlite or postgresql.")]
    public string Provider { get; set; } = "sqlite";

    /// <summary>For PostgreSQL, an Npgsql connection string; for SQLite, optional (default: orchestrator.db in the data directory).</summary>
    public string? ConnectionString { get; set; }
}

/// <summary>Section <c>Orchestrator:Workers</c>.</summary>
public sealed class WorkerOptions : IValidatableObject
{
    public const string SectionName = "Orchestrator:Workers";

    /// <summary>Attempts this node runs at once.</summary>
    [Range(1, 1024)]
    public int Slots { get; set; } = 16;

    [Range(typeof(TimeSpan), "00:00:02", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    [Range(typeof(TimeSpan), "00:00:01", "00:20:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>On shutdown, how long running attempts may take to finish before they are cancelled.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A lease must outlive a late heartbeat: heartbeats are renewed between the worker's database steps, which
    /// wait for other nodes' claims, so a lease of one or two intervals would expire on a busy cluster.
    /// </summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (LeaseDuration < 3 * HeartbeatInterval)
        {
            yield return new ValidationResult(
                $"Orchestrator:Workers:LeaseDuration ({LeaseDuration}) must be at least three times HeartbeatInterval ({HeartbeatInterval}).",
                [nameof(LeaseDuration), nameof(HeartbeatInterval)]);
        }
    }
}

/// <summary>Section <c>Orchestrator:Pools</c>: named pools and their slot counts, e.g. <c>Orchestrator__Pools__warehouse=4</c>.</summary>
public sealed class PoolOptions : Dictionary<string, int>
{
    public const string SectionName = Core.Engine.PoolSettings.SectionName;
}
