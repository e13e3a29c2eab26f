using Orchestrator.Activities.Alerts;
using Orchestrator.Core.Alerts;

namespace Orchestrator.Activities.Tests.Alerts;

/// <summary>Alerts and channels the alert tests share.</summary>
internal static class AlertSamples
{
    public static readonly Guid RunId = Guid.Parse("0b9d2f0e-5c1a-4c55-9d8e-2f7a3c9e1a11");

    public static AlertMessage RunFailed(int logLines = 3, int occurrences = 1) => new()
    {
        Event = "run_failed",
        WorkflowId = "transactions-etl",
        RunId = RunId,
        TaskId = "clean",
        Attempt = 3,
        LogicalDate = new DateTimeOffset(2026, 11, 23, 11, 0, 42, TimeSpan.FromHours(1)),
        OccurredAt = new DateTimeOffset(2026, 11, 23, 10, 7, 0, TimeSpan.Zero),
        Error = "duplicate key \"transaction_id\" <tx-1> & more",
        Detail = "3 rows rejected",
        LogTail = Enumerable.Range(1, logLines).Select(i => $"line {i} <b>bold</b> & \"quoted\"").ToArray(),
        RunUrl = "http://127.0.0.1:8080/runs/0b9d2f0e-5c1a-4c55-9d8e-2f7a3c9e1a11?tab=logs&task=clean",
        Occurrences = occurrences,
        Key = "run_failed:transactions-etl:0b9d2f0e:email:data-team",
    };

    public static EmailChannel Email(string host = "127.0.0.1", int port = 25)
        => new("data-team", host, port, SmtpTls.None, "Orchestrator <alerts@example.com>", ["oncall@example.com", "data@example.com"]);

    public static SlackChannel Slack(string url = "http://127.0.0.1:9/services/T/B/token")
        => new("data-alerts", new Uri(url)) { Username = "orchestrator", IconEmoji = ":rotating_light:" };
}
