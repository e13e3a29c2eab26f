using Orchestrator.Activities.Alerts;
using Orchestrator.Core.Alerts;
using Orchestrator.Core.Model;

namespace Orchestrator.Activities.Tests.Alerts;

/// <summary>Alerts and channels the alert tests share.</summary>
internal static class AlertSamples
{
    public static readonly Guid RunId = Guid.Parse("0b9d2f0e-5c1a-4c55-9d8e-2f7a3c9e1a11");

    /// <param name="change">Changes the alert's record before it goes out (its event name follows the record).</param>
    public static OutgoingAlert RunFailed(int logLines = 3, int occurrences = 1, Func<AlertRecord, AlertRecord>? change = null)
    {
        var alert = new AlertRecord
        {
            Id = Guid.Parse("0b9d2f0e-5c1a-4c55-9d8e-2f7a3c9e1a12"),
            Key = "run_failed:transactions-etl:0b9d2f0e:email:data-team",
            Event = AlertEvent.RunFailed,
            Channel = "email:data-team",
            WorkflowId = "transactions-etl",
            RunId = RunId,
            TaskId = "clean",
            Attempt = 3,
            LogicalDate = new DateTimeOffset(2026, 11, 23, 11, 0, 42, TimeSpan.FromHours(1)),
            OccurredAt = new DateTimeOffset(2026, 11, 23, 10, 7, 0, TimeSpan.Zero),
            Error = "duplicate key \"transaction_id\" <tx-1> & more",
            Detail = "3 rows rejected",
            Occurrences = occurrences,
        };
        return new OutgoingAlert(change is null ? alert : change(alert))
        {
            LogTail = Enumerable.Range(1, logLines).Select(i => $"line {i} <b>bold</b> & \"quoted\"").ToArray(),
            RunUrl = "http://127.0.0.1:8080/runs/0b9d2f0e-5c1a-4c55-9d8e-2f7a3c9e1a11?tab=logs&task=clean",
        };
    }

    public static EmailChannel Email(string host = "127.0.0.1", int port = 25)
        => new("data-team", host, port, SmtpTls.None, "Orchestrator <alerts@example.com>", ["oncall@example.com", "data@example.com"]);

    public static SlackChannel Slack(string url = "http://127.0.0.1:9/services/T/B/token")
        => new("data-alerts", new Uri(url)) { Username = "orchestrator", IconEmoji = ":rotating_light:" };
}
