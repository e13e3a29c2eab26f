using System.ComponentModel.DataAnnotations;
using Orchestrator.Core.Json;
using Orchestrator.Core.Model;

namespace Orchestrator.Server.Alerts;

/// <summary>
/// Section <c>Orchestrator:Alerts</c>: how the outbox is delivered (throttling, retries, SLA checks) and the
/// server-wide rules every workflow gets besides its own. Channels are in <c>Orchestrator:Alerts:Channels</c>.
/// </summary>
public sealed class AlertOptions : IValidatableObject
{
    public const string SectionName = "Orchestrator:Alerts";

    /// <summary>Repeats of the same workflow, task, event and channel within this window become one message with a count; zero turns throttling off.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan ThrottleWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The longest the dispatcher sleeps without a wake-up (alerts written on other nodes are found by this).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:05:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Delay before the second delivery attempt; doubled for each further one up to <see cref="MaxRetryDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>An alert still undeliverable this long after its event is given up (state failed).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How long a dispatcher owns a claimed alert; longer than a delivery may take, or another node sends it too.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Alerts claimed per pass.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 20;

    /// <summary>How often each node looks for runs that missed their workflow's <c>sla</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan SlaCheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How far back a starting node looks for missed SLAs (older deadlines were the business of the nodes running then).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan SlaLookback { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Rules applied to every workflow besides its own <c>alerts</c>, e.g. run_failed to email:ops.</summary>
    public List<AlertRuleOptions> DefaultRules { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < DefaultRules.Count; i++)
        {
            var rule = DefaultRules[i];
            if (rule.On.Count == 0 || rule.Notify.Count == 0)
            {
                yield return new ValidationResult($"{SectionName}:DefaultRules:{i} needs at least one event in On and one channel in Notify.");
            }

            foreach (var name in rule.On.Where(e => !WireNames.TryParse<AlertEvent>(e, out _)))
            {
                yield return new ValidationResult(
                    $"{SectionName}:DefaultRules:{i}:On: '{name}' is not an alert event ({string.Join(", ", Enum.GetValues<AlertEvent>().Select(WireNames.Of))}).");
            }

            foreach (var channel in rule.Notify.Where(c => !System.Text.RegularExpressions.Regex.IsMatch(c, ChannelReference.Pattern)))
            {
                yield return new ValidationResult($"{SectionName}:DefaultRules:{i}:Notify: '{channel}' is not written email:<name> or slack:<name>.");
            }
        }

        if (MaxRetryDelay < RetryDelay)
        {
            yield return new ValidationResult($"{SectionName}:MaxRetryDelay ({MaxRetryDelay}) is shorter than RetryDelay ({RetryDelay}).");
        }
    }

    /// <summary>The default rules as the model's rules (valid after start-up validation).</summary>
    public IReadOnlyList<AlertRule> Rules() => DefaultRules.ConvertAll(r => new AlertRule
    {
        On = r.On.ConvertAll(e => WireNames.TryParse<AlertEvent>(e, out var parsed) ? parsed : throw new FormatException($"'{e}' is not an alert event")),
        Notify = r.Notify,
    });
}

/// <summary>One server-wide rule: events and the channels they notify.</summary>
public sealed class AlertRuleOptions
{
    public List<string> On { get; set; } = [];

    public List<string> Notify { get; set; } = [];
}
