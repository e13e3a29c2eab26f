using System.ComponentModel.DataAnnotations;

namespace Orchestrator.Server.Triggers;

/// <summary>Section <c>Orchestrator:Triggers</c>: how event triggers retry and wait.</summary>
public sealed class TriggerOptions : IValidatableObject
{
    public const string SectionName = "Orchestrator:Triggers";

    /// <summary>First wait after a failure (connection down, broker error); doubled on each failure in a row.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait between retries.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often the trigger of a paused workflow looks whether it was unpaused (on another node too).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PausedPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Once a batch's run exists, how long committing its offsets may hold a stopping server.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan CommitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxRetryDelay < RetryDelay)
        {
            yield return new ValidationResult(
                $"Orchestrator:Triggers:MaxRetryDelay ({MaxRetryDelay}) must be at least RetryDelay ({RetryDelay}).",
                [nameof(MaxRetryDelay), nameof(RetryDelay)]);
        }
    }
}
