using Microsoft.Extensions.Options;
using Orchestrator.Core.Activities;

namespace Orchestrator.Server.Hosting;

/// <summary>Section <c>Orchestrator:Activities</c>: which activity types this server refuses to run.</summary>
public sealed class ActivityOptions
{
    public const string SectionName = "Orchestrator:Activities";

    /// <summary>
    /// Activity types (<c>core.shell</c>, <c>spark.submit</c>...) disabled on this server: a workflow using one is
    /// invalid (WF060), and an attempt of one fails without retry.
    /// </summary>
    public IList<string> Disabled { get; } = [];
}

/// <summary>Every disabled type must be one the server knows: a typo must not leave the activity enabled.</summary>
public sealed class ActivityOptionsValidation(IEnumerable<ActivityDescriptor> activities) : IValidateOptions<ActivityOptions>
{
    public ValidateOptionsResult Validate(string? name, ActivityOptions options)
    {
        var known = activities.Select(a => a.Type).ToHashSet(StringComparer.Ordinal);
        var unknown = options.Disabled.Where(type => !known.Contains(type)).ToList();
        return unknown.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"Orchestrator:Activities:Disabled names unknown activity types: {string.Join(", ", unknown)} (see `orchestrator activities`).");
    }
}
