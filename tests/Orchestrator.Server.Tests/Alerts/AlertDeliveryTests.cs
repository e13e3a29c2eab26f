using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Orchestrator.Server.Tests.Support;
using Orchestrator.Testing;

namespace Orchestrator.Server.Tests.Alerts;

/// <summary>
/// Alerts from a real server to a real SMTP server and a webhook receiver: the reference workflow transactions-etl
/// fails because its warehouse is down, and the data team's inbox and Slack channel hear about it once.
/// </summary>
public sealed class AlertDeliveryTests : IAsyncLifetime
{
    private const string PublicUrl = "http://127.0.0.1:8080";
    private readonly string _root = Directory.CreateTempSubdirectory("orchestrator-alerts-").FullName;
    private SmtpInbox _inbox = null!;
    private readonly WebhookReceiver _slack = new();

    public async Task InitializeAsync()
    {
        _inbox = await SmtpInbox.StartNewAsync();

        // The reference workflow as shipped, but started by hand only (its hourly schedule would add a run of its
        // own at start) and without retries (the warehouse stays down; three retries would only be slower).
        var workflow = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Repository.Root, "workflows", "transactions-etl.json")))!.AsObject();
        workflow.Remove("schedule");
        workflow.Remove("sla");
        workflow["defaults"]!["retries"] = 0;
        Directory.CreateDirectory(Path.Combine(_root, "workflows"));
        await File.WriteAllTextAsync(Path.Combine(_root, "workflows", "transactions-etl.json"), workflow.ToJsonString());
    }

    public async Task DisposeAsync()
    {
        await _inbox.DisposeAsync();
        await _slack.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private Task<TestServer> StartAsync(DatabaseProvider provider = DatabaseProvider.Sqlite, IReadOnlyDictionary<string, string?>? extra = null, bool slack = true)
    {
        var settings = new Dictionary<string, string?>(_inbox.ChannelSettings("data-team", "orchestrator@example.com", "data-team@example.com"))
        {
            ["Orchestrator:Alerts:PollInterval"] = "00:00:00.200",
            ["Orchestrator:Alerts:RetryDelay"] = "00:00:00.200",
            ["Orchestrator:Alerts:MaxRetryDelay"] = "00:00:00.500",
            ["Orchestrator:PublicUrl"] = PublicUrl,

            // The warehouse is down: nothing listens on port 1.
            ["Orchestrator:Connections:warehouse:uri"] = "postgresql://loader:s3cr3t-pass@127.0.0.1:1/warehouse",
        };
        if (slack)
        {
            settings["Orchestrator:Alerts:Channels:data-alerts:type"] = "slack";
            settings["Orchestrator:Alerts:Channels:data-alerts:webhookUrl"] = _slack.Url();
        }

        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return TestServer.StartAsync(_root, provider, settings: settings);
    }

    /// <summary>Starts a run of transactions-etl; it fails at its first warehouse step.</summary>
    private static async Task<Guid> FailAsync(TestServer server)
    {
        using var response = await server.Client.PostAsJsonAsync("/api/v1/workflows/transactions-etl/runs", new { @params = new { rows = 40 } });
        response.EnsureSuccessStatusCode();
        var runId = Guid.Parse((string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!);
        await server.WaitUntilAsync(async () => (string?)(await server.GetJsonAsync($"/api/v1/runs/{runId}"))["run"]!["state"] == "failed",
            () => $"run {runId} failed");
        return runId;
    }

    /// <summary>The alerts of a run to a channel, through the history API.</summary>
    private static async Task<JsonArray> AlertsAsync(TestServer server, Guid runId, string channel)
        => (await server.GetJsonAsync($"/api/v1/alerts?runId={runId}&channel={Uri.EscapeDataString(channel)}"))["items"]!.AsArray();

    private static async Task<JsonObject> SettledAsync(TestServer server, Guid runId, string channel, string state)
    {
        JsonObject? alert = null;
        await server.WaitUntilAsync(async () =>
        {
            alert = (await AlertsAsync(server, runId, channel)).SingleOrDefault()?.AsObject();
            return (string?)alert?["state"] == state;
        }, () => $"the alert of run {runId} to {channel} is {state} (it is {alert?.ToJsonString() ?? "missing"})");
        return alert!;
    }

    [Fact]
    public async Task FailingReferenceWorkflow_DeliversOneEmailAndOneSlackPost_AndARepeatWithinTheThrottleWindowAddsNone()
    {
        await using var server = await StartAsync();

        var first = await FailAsync(server);
        var mail = Assert.Single(await _inbox.WaitForMessagesAsync(1, TestServer.Patience));
        var post = Assert.Single(await _slack.WaitForRequestsAsync(1, TestServer.Patience));
        await SettledAsync(server, first, "email:data-team", "sent");
        await SettledAsync(server, first, "slack:data-alerts", "sent");

        var run = await server.GetJsonAsync($"/api/v1/runs/{first}");
        var logicalDate = ((DateTimeOffset)run["run"]!["logicalDate"]!).UtcDateTime;
        Assert.Equal($"[Orchestrator] run_failed transactions-etl {logicalDate:yyyy-MM-ddTHH:mm}Z", mail.Subject);
        Assert.Equal("data-team@example.com", Assert.Single(mail.To.Mailboxes).Address);
        var text = mail.TextBody;
        Assert.NotNull(mail.HtmlBody);
        Assert.Contains("load_raw", text);
        Assert.Contains($"{PublicUrl}/runs/{first}", text);
        Assert.Contains($"{PublicUrl}/runs/{first}", mail.HtmlBody);

        // The log tail of the failed task: its own lines, ending with the error, the password masked.
        var lines = await server.GetJsonAsync($"/api/v1/runs/{first}/tasks/load_raw/logs");
        var lastLine = (string)lines["lines"]!.AsArray().Last()!["message"]!;
        Assert.Contains(lastLine, text);
        Assert.DoesNotContain("s3cr3t-pass", text + mail.HtmlBody);

        var blocks = post.Json["blocks"]!.AsArray();
        Assert.Contains(blocks, b => b!.ToJsonString().Contains("load_raw", StringComparison.Ordinal));
        var button = blocks.Single(b => (string?)b!["type"] == "actions")!["elements"]![0]!;
        Assert.Equal($"{PublicUrl}/runs/{first}", (string?)button["url"]);

        // The second failure, within the hour: folded into the first alert of each channel, no new message.
        var second = await FailAsync(server);
        var throttledMail = await SettledAsync(server, second, "email:data-team", "throttled");
        var throttledPost = await SettledAsync(server, second, "slack:data-alerts", "throttled");
        var firstMail = (await AlertsAsync(server, first, "email:data-team")).Single()!;
        Assert.Equal((string?)firstMail["id"], (string?)throttledMail["groupId"]);
        Assert.Equal(2, (int?)(await server.GetJsonAsync($"/api/v1/alerts/{firstMail["id"]}"))["alert"]!["occurrences"]);
        Assert.NotNull(throttledPost["groupId"]);
        Assert.Single(_inbox.Messages());
        Assert.Single(_slack.Requests);
    }

    [Fact]
    public async Task AlertToAChannelNotConfigured_IsGivenUpWithTheReason_WhileTheOtherChannelGetsItsMessage()
    {
        await using var server = await StartAsync(slack: false);

        // Said at start (a warning per workflow and channel), before any alert is lost to it.
        Assert.Equal(["slack:data-alerts"], server.Services.GetRequiredService<Orchestrator.Server.Alerts.ChannelCheck>().Unconfigured("transactions-etl"));
        var runId = await FailAsync(server);

        await SettledAsync(server, runId, "email:data-team", "sent");
        var slack = await SettledAsync(server, runId, "slack:data-alerts", "failed");
        Assert.Equal("channel slack:data-alerts is not configured (set Orchestrator:Alerts:Channels:data-alerts)", (string?)slack["lastError"]);
        Assert.Equal(1, (int?)slack["deliveries"]);
        Assert.Single(_inbox.Messages());
        Assert.Empty(_slack.Requests);

        var channels = (await server.GetJsonAsync("/api/v1/alerts/channels")).AsArray();
        var inbox = Assert.Single(channels)!;
        Assert.Equal(("email:data-team", "email"), ((string?)inbox["reference"], (string?)inbox["kind"]));
        Assert.Equal(_inbox.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)inbox["settings"]!["port"]);

        // The test endpoint: a message to the configured channel, 404 for the other.
        using (var sent = await server.Client.PostAsync("/api/v1/alerts/channels/email:data-team/test", null))
        {
            sent.EnsureSuccessStatusCode();
        }

        Assert.Equal(2, (await _inbox.WaitForMessagesAsync(2, TestServer.Patience)).Count);
        Assert.Contains("the channel works", _inbox.Messages().Single(m => (m.Subject ?? "").Contains(" test ", StringComparison.Ordinal)).TextBody);
        using (var missing = await server.Client.PostAsync("/api/v1/alerts/channels/slack:data-alerts/test", null))
        {
            Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Contains("slack:data-alerts is not configured", await missing.Content.ReadAsStringAsync());
        }

        // The series exist (the server may be shared with other tests, whose deliveries add up).
        var metrics = await server.Client.GetStringAsync("/metrics");
        Assert.Contains("orchestrator_alert_deliveries_total{channel=\"email:data-team\",outcome=\"sent\"} ", metrics);
        Assert.Contains("orchestrator_alert_deliveries_total{channel=\"slack:data-alerts\",outcome=\"failed\"} ", metrics);
    }

    [Fact]
    public async Task Start_FailsNamingTheRule_WhenADefaultRuleNamesAnUnknownEvent()
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => StartAsync(extra: new Dictionary<string, string?>
        {
            ["Orchestrator:Alerts:DefaultRules:0:On:0"] = "task_exploded",
            ["Orchestrator:Alerts:DefaultRules:0:Notify:0"] = "email:data-team",
        }));

        Assert.Contains("Orchestrator:Alerts:DefaultRules:0:On: 'task_exploded' is not an alert event", error.Message);
    }

    [Fact]
    public async Task SmtpOutage_DeliversTheEmailExactlyOnce_WhenTheServerComesBack()
    {
        await _inbox.StopAsync();
        await using var server = await StartAsync();

        var runId = await FailAsync(server);

        // Delivery fails while the SMTP server is down, and is retried with backoff.
        string? alertId = null;
        await server.WaitUntilAsync(async () =>
        {
            alertId = (string?)(await AlertsAsync(server, runId, "email:data-team")).SingleOrDefault()?["id"];
            return alertId is not null && (await server.GetJsonAsync($"/api/v1/alerts/{alertId}"))["deliveries"]!.AsArray().Count >= 2;
        }, () => "two failed delivery attempts");
        Assert.Empty(_inbox.Messages());

        await _inbox.StartAsync();
        var mail = Assert.Single(await _inbox.WaitForMessagesAsync(1, TestServer.Patience));
        await SettledAsync(server, runId, "email:data-team", "sent");

        var details = await server.GetJsonAsync($"/api/v1/alerts/{alertId}");
        var deliveries = details["deliveries"]!.AsArray();
        Assert.True((bool)deliveries.Last()!["sent"]!);
        Assert.All(deliveries.SkipLast(1), d => Assert.False((bool)d!["sent"]!));
        Assert.All(deliveries.SkipLast(1), d => Assert.False(string.IsNullOrEmpty((string?)d!["error"])));
        Assert.StartsWith("[Orchestrator] run_failed transactions-etl", mail.Subject);
        Assert.Single(_inbox.Messages());
    }

    [Fact]
    public async Task TwoNodes_SendOneEmailPerEvent_WhenBothDispatchTheSameOutbox()
    {
        var database = await ServerDatabase.SettingsAsync(DatabaseProvider.Postgres, "alerts");
        var shared = new Dictionary<string, string?>(database) { ["Orchestrator:Alerts:ThrottleWindow"] = "00:00:00" };
        await using var one = await StartAsync(DatabaseProvider.Postgres, new Dictionary<string, string?>(shared) { ["Orchestrator:NodeName"] = "node-1" });
        await using var two = await StartAsync(DatabaseProvider.Postgres, new Dictionary<string, string?>(shared) { ["Orchestrator:NodeName"] = "node-2" });

        var runs = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            runs.Add(await FailAsync(i % 2 == 0 ? one : two));
        }

        foreach (var runId in runs)
        {
            await SettledAsync(one, runId, "email:data-team", "sent");
        }

        var mails = _inbox.Messages();
        Assert.Equal(4, mails.Count);
        Assert.Equal(4, mails.Select(m => m.MessageId).Distinct().Count());
        Assert.Equal(runs.Order(), runs.Where(r => mails.Any(m => (m.TextBody ?? "").Contains(r.ToString(), StringComparison.Ordinal))).Order());
    }
}
