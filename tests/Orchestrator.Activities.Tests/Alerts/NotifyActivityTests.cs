using System.Text.Json.Nodes;
using MimeKit;
using Orchestrator.Activities.Alerts;
using Orchestrator.Activities.Tests.Support;
using Orchestrator.Core.Alerts;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Testing;

namespace Orchestrator.Activities.Tests.Alerts;

public sealed class NotifyActivityTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task NotifyEmail_SendsTheRenderedMessage_WhenAnUpstreamTaskFailed()
    {
        await using var inbox = await SmtpInbox.StartNewAsync();
        await using var harness = new WorkflowHarness(inbox.ChannelSettings("data-team", "alerts@example.com", "oncall@example.com"));

        var result = await harness.RunAsync("""
            { "id": "notify-test", "defaults": { "retries": 0 }, "tasks": [
              { "id": "clean", "activity": "core.fail", "with": { "message": "clean broke" } },
              { "id": "on_failure", "activity": "notify.email", "dependsOn": ["clean"], "triggerRule": "one_failed",
                "with": { "channel": "data-team", "subject": "clean failed in {{ run.id }}", "text": "clean failed for run {{ run.id }}" } }
            ] }
            """);

        var outputs = WorkflowHarness.Outputs(result, "on_failure");
        Assert.Equal("email:data-team", outputs.GetProperty("channel").GetString());
        var message = Assert.Single(await inbox.WaitForMessagesAsync(1, Wait));
        Assert.Equal($"clean failed in {result.Run.Id}", message.Subject);
        Assert.Equal(outputs.GetProperty("messageId").GetString(), message.MessageId);
        Assert.Equal(EmailSender.MessageIdOf($"notify.email:{result.Run.Id}:on_failure"), message.MessageId);
        Assert.Equal("oncall@example.com", Assert.Single(message.To.Mailboxes).Address);
        Assert.Equal($"clean failed for run {result.Run.Id}", message.TextBody?.Trim());
        Assert.Equal($"<pre>clean failed for run {result.Run.Id}</pre>", message.HtmlBody);
    }

    [Fact]
    public async Task NotifyEmail_SendsToTheGivenRecipientsWithTheGivenHtml_WhenToAndHtmlAreSet()
    {
        await using var inbox = await SmtpInbox.StartNewAsync();
        await using var harness = new WorkflowHarness(inbox.ChannelSettings("data-team", "alerts@example.com", "oncall@example.com"));

        var result = await harness.RunAsync("""
            { "id": "notify-test", "tasks": [
              { "id": "mail", "activity": "notify.email",
                "with": { "channel": "email:data-team", "subject": "report", "text": "plain", "html": "<p>rich</p>", "to": ["a@example.com", "b@example.com"] } }
            ] }
            """);

        Assert.Equal(2, WorkflowHarness.Outputs(result, "mail").GetProperty("to").GetArrayLength());
        var message = Assert.Single(await inbox.WaitForMessagesAsync(1, Wait));
        Assert.Equal(["a@example.com", "b@example.com"], message.To.Mailboxes.Select(m => m.Address));
        Assert.Equal("<p>rich</p>", message.HtmlBody);
        Assert.IsType<MultipartAlternative>(message.Body);
    }

    [Fact]
    public async Task NotifyEmail_FailsTheTaskWithATransientReason_WhenTheServerIsDown()
    {
        await using var inbox = await SmtpInbox.StartNewAsync();
        await using var harness = new WorkflowHarness(inbox.ChannelSettings("data-team", "alerts@example.com", "oncall@example.com"));
        await inbox.StopAsync();

        var result = await harness.RunAsync("""
            { "id": "notify-test", "defaults": { "retries": 0 }, "tasks": [
              { "id": "mail", "activity": "notify.email", "with": { "channel": "data-team", "subject": "s", "text": "t" } }
            ] }
            """);

        Assert.StartsWith($"email:data-team (127.0.0.1:{inbox.Port}): ", FailedWith(result, "mail"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotifySlack_PostsTheTextAndBlocksAsGiven_WhenTheChannelIsConfigured()
    {
        await using var receiver = new WebhookReceiver();
        await using var harness = new WorkflowHarness(AlertServices.Slack("data-alerts", receiver.Url()));

        var result = await harness.RunAsync("""
            { "id": "notify-test", "tasks": [
              { "id": "post", "activity": "notify.slack",
                "with": { "channel": "data-alerts", "text": "run {{ run.id }} done",
                          "blocks": [ { "type": "section", "text": { "type": "mrkdwn", "text": "*done*" } } ] } }
            ] }
            """);

        var outputs = WorkflowHarness.Outputs(result, "post");
        Assert.Equal(("slack:data-alerts", 200), (outputs.GetProperty("channel").GetString(), outputs.GetProperty("status").GetInt32()));
        var request = Assert.Single(await receiver.WaitForRequestsAsync(1, Wait));
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse($$"""
                { "text": "run {{result.Run.Id}} done", "blocks": [ { "type": "section", "text": { "type": "mrkdwn", "text": "*done*" } } ],
                  "username": "orchestrator", "icon_emoji": ":rotating_light:" }
                """),
            request.Json), request.Body);
    }

    [Fact]
    public async Task NotifySlack_FailsWithoutTheWebhook_WhenTheWebhookAnswers404()
    {
        await using var receiver = new WebhookReceiver();
        await using var harness = new WorkflowHarness(AlertServices.Slack("data-alerts", receiver.Url()));
        receiver.Respond(404, "no_service");

        var result = await harness.RunAsync("""
            { "id": "notify-test", "defaults": { "retries": 1, "retryDelay": "PT0S" }, "tasks": [
              { "id": "post", "activity": "notify.slack", "with": { "channel": "slack:data-alerts", "text": "hello" } }
            ] }
            """);

        var errors = result.Attempts.Where(a => a.TaskId == "post").Select(a => a.Error ?? "").ToArray();
        Assert.Equal(2, errors.Length);
        Assert.All(errors, e => Assert.Equal($"slack:data-alerts ({receiver.BaseUrl}/***) answered 404 Not Found: no_service", e));
        Assert.Equal(2, receiver.Requests.Count);
    }

    [Theory]
    [InlineData("notify.slack", """{ "channel": "nope", "text": "t" }""", "channel slack:nope is not configured (set Orchestrator:Alerts:Channels:nope)")]
    [InlineData("notify.slack", """{ "channel": "email:team", "text": "t" }""", "channel email:team cannot be used here: this needs a Slack channel (slack:<name>)")]
    [InlineData("notify.email", """{ "channel": "team", "subject": "s", "text": "t", "to": ["not-an-address"] }""", "to: 'not-an-address' is not an e-mail address")]
    public async Task Notify_FailsTheTaskWithAClearReason_WhenTheInputsCannotBeSent(string activity, string with, string expected)
    {
        await using var harness = new WorkflowHarness(new Dictionary<string, string?>
        {
            ["Orchestrator:Alerts:Channels:team:type"] = "email",
            ["Orchestrator:Alerts:Channels:team:host"] = "127.0.0.1",
            ["Orchestrator:Alerts:Channels:team:from"] = "a@example.com",
            ["Orchestrator:Alerts:Channels:team:to"] = "b@example.com",
        });

        var result = await harness.RunAsync($$"""
            { "id": "notify-test", "defaults": { "retries": 0 }, "tasks": [ { "id": "step", "activity": "{{activity}}", "with": {{with}} } ] }
            """);

        Assert.Equal(expected, FailedWith(result, "step"));
    }

    private static string FailedWith(RunResult result, string taskId)
    {
        var task = Assert.Single(result.Tasks, t => t.TaskId == taskId);
        Assert.Equal(TaskState.Failed, task.State);
        return result.Attempts.Last(a => a.TaskId == taskId).Error ?? "";
    }
}
