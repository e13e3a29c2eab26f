using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Activities.Alerts;
using Orchestrator.Core.Alerts;
using Orchestrator.Testing;

namespace Orchestrator.Activities.Tests.Alerts;

public sealed class SlackDeliveryTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SendAsync_PostsTheBlockKitPayloadAsJson_WhenTheWebhookAnswersOk()
    {
        await using var receiver = new WebhookReceiver();
        await using var services = AlertServices.Build(AlertServices.Slack("data-alerts", receiver.Url()));

        await services.GetRequiredService<IAlertNotifier>().SendAsync("slack:data-alerts", AlertSamples.RunFailed(), CancellationToken.None);

        var request = Assert.Single(await receiver.WaitForRequestsAsync(1, Wait));
        Assert.Equal(("POST", "/services/T000/B000/secret-webhook-token"), (request.Method, request.Path));
        Assert.StartsWith("application/json", request.ContentType, StringComparison.Ordinal);
        var payload = request.Json;
        Assert.Equal("run_failed in workflow transactions-etl, task clean (2026-11-23T10:00Z)", (string?)payload["text"]);
        Assert.Equal("orchestrator", (string?)payload["username"]);
        Assert.Equal(":rotating_light:", (string?)payload["icon_emoji"]);
        Assert.Equal(["header", "section", "section", "section", "section", "context", "actions"], payload["blocks"]!.AsArray().Select(b => (string?)b!["type"]));
        Assert.Equal(AlertSamples.RunFailed().RunUrl, (string?)payload["blocks"]![6]!["elements"]![0]!["url"]);
    }

    [Theory]
    [InlineData(500, true)]
    [InlineData(503, true)]
    [InlineData(429, true)]
    [InlineData(404, false)]
    [InlineData(400, false)]
    public async Task SendAsync_ThrowsWithTheStatusAndBody_WhenTheWebhookAnswersAnError(int status, bool transient)
    {
        await using var receiver = new WebhookReceiver();
        await using var services = AlertServices.Build(AlertServices.Slack("data-alerts", receiver.Url()));
        receiver.Respond(status, "no_service " + new string('x', 1000), times: 1);

        var failure = await Assert.ThrowsAsync<AlertDeliveryException>(
            () => services.GetRequiredService<IAlertNotifier>().SendAsync("slack:data-alerts", AlertSamples.RunFailed(), CancellationToken.None));

        Assert.Equal(transient, failure.Transient);
        Assert.StartsWith($"slack:data-alerts ({receiver.BaseUrl}/***) answered {status} ", failure.Message, StringComparison.Ordinal);
        Assert.Contains(": no_service xxx", failure.Message, StringComparison.Ordinal);
        Assert.True(failure.Message.Length < 500, failure.Message);
        Assert.DoesNotContain("secret-webhook-token", failure.ToString(), StringComparison.Ordinal);

        // The next request gets the default answer again.
        await services.GetRequiredService<IAlertNotifier>().SendAsync("slack:data-alerts", AlertSamples.RunFailed(), CancellationToken.None);
        Assert.Equal(2, (await receiver.WaitForRequestsAsync(2, Wait)).Count);
    }

    [Fact]
    public async Task SendAsync_ThrowsATransientFailureWithoutTheWebhook_WhenNothingListens()
    {
        string url;
        await using (var gone = new WebhookReceiver())
        {
            url = gone.Url();
        }

        await using var services = AlertServices.Build(AlertServices.Slack("data-alerts", url));

        var failure = await Assert.ThrowsAsync<AlertDeliveryException>(
            () => services.GetRequiredService<IAlertNotifier>().SendAsync("slack:data-alerts", AlertSamples.RunFailed(), CancellationToken.None));

        Assert.True(failure.Transient, failure.Message);
        Assert.DoesNotContain("secret-webhook-token", failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_ThrowsANonTransientFailure_WhenASlackOverrideRendersBrokenJsonForThisMessage()
    {
        using var folder = new Support.TempFolder();
        // Valid JSON for the start-up sample (which has a task), broken for a message without one.
        await File.WriteAllTextAsync(Path.Combine(folder.Path, AlertComposer.Slack), """{ "text": {{ alert.event | json }} {% unless alert.task %}oops{% endunless %} }""");
        await using var receiver = new WebhookReceiver();
        var settings = AlertServices.Slack("data-alerts", receiver.Url());
        settings[AlertComposer.TemplatesKey] = folder.Path;
        await using var services = AlertServices.Build(settings);

        var failure = await Assert.ThrowsAsync<AlertDeliveryException>(() => services.GetRequiredService<IAlertNotifier>()
            .SendAsync("slack:data-alerts", AlertSamples.RunFailed(change: a => a with { TaskId = null }), CancellationToken.None));

        Assert.False(failure.Transient);
        Assert.Contains("did not render valid JSON", failure.Message, StringComparison.Ordinal);
        Assert.Empty(receiver.Requests);
    }
}
