using System.Globalization;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Json;

namespace Orchestrator.Core.Validation;

/// <summary>The checks of a workflow's schedule beyond its syntax: its window, and whether it fires at all.</summary>
internal sealed partial class SemanticChecks
{
    private void CheckScheduleWindow()
    {
        if (root["schedule"] is not { Kind: LocatedKind.Object } schedule
            || schedule["start"]?.StringValue is not { } start
            || schedule["end"] is not { StringValue: { } end } endValue)
        {
            return;
        }

        if (DateTimeOffset.TryParse(start, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var s)
            && DateTimeOffset.TryParse(end, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var e)
            && s > e)
        {
            Report(endValue, DiagnosticCodes.InvalidScheduleWindow, $"schedule end {end} is before its start {start}");
        }
    }

    private void CheckScheduleFires()
    {
        var cron = root["schedule"] switch
        {
            { Kind: LocatedKind.String } text => text,
            { Kind: LocatedKind.Object } schedule when schedule["cron"] is { Kind: LocatedKind.String } text => text,
            _ => null,
        };
        if (cron is not null
            && CronSchedule.TryParseExpression(cron.StringValue!, out var expression, out _)
            && CronChecks.InvertedRange(cron.StringValue!) is null
            && CronChecks.NeverFires(expression!))
        {
            Report(cron, DiagnosticCodes.CronNeverFires, $"cron '{cron.StringValue}' never fires: no date matches all of its fields");
        }
    }
}
