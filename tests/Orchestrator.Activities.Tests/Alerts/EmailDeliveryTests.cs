using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Orchestrator.Activities.Alerts;
using Orchestrator.Core.Alerts;
using Orchestrator.Testing;

namespace Orchestrator.Activities.Tests.Alerts;

public sealed class EmailDeliveryTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SendAsync_DeliversAMultipartMessageWithAMessageIdFromTheKey_WhenTheServerIsUp()
    {
        await using var inbox = await SmtpInbox.StartNewAsync();
        await using var services = AlertServices.Build(inbox.ChannelSettings("data-team", "Orchestrator <alerts@example.com>", "oncall@example.com", "data@example.com"));
        var notifier = services.GetRequiredService<IAlertNotifier>();
        var alert = AlertSamples.RunFailed(logLines: 60, occurrences: 2);

        Assert.True(notifier.IsConfigured("email:data-team"));
        Assert.False(notifier.IsConfigured("slack:data-team"));
        await notifier.SendAsync("email:data-team", alert, CancellationToken.None);

        var message = Assert.Single(await inbox.WaitForMessagesAsync(1, Wait));
        Assert.Equal("[Orchestrator] run_failed transactions-etl 2026-11-23T10:00Z", message.Subject);
        var from = Assert.Single(message.From.Mailboxes);
        Assert.Equal(("Orchestrator", "alerts@example.com"), (from.Name, from.Address));
        Assert.Equal(["oncall@example.com", "data@example.com"], message.To.Mailboxes.Select(m => m.Address));
        var expectedId = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(alert.Alert.Key))) + "@orchestrator";
        Assert.Equal(expectedId, message.MessageId);
        Assert.Equal(expectedId, EmailSender.MessageIdOf(alert.Alert.Key));

        var alternative = Assert.IsType<MultipartAlternative>(message.Body);
        Assert.Equal(["text/plain", "text/html"], alternative.Select(p => p.ContentType.MimeType));
        Assert.Contains("Task:         clean", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("line 60 <b>bold</b>", message.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("line 10 ", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("line 60 &lt;b&gt;bold&lt;/b&gt;", message.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("href=\"http://127.0.0.1:8080/runs/", message.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_ThrowsATransientFailure_WhenTheServerIsDownAndDeliversOnceItIsBack()
    {
        await using var inbox = await SmtpInbox.StartNewAsync();
        await using var services = AlertServices.Build(inbox.ChannelSettings("data-team", "alerts@example.com", "oncall@example.com"));
        var notifier = services.GetRequiredService<IAlertNotifier>();

        await inbox.StopAsync();
        var failure = await Assert.ThrowsAsync<AlertDeliveryException>(
            () => notifier.SendAsync("email:data-team", AlertSamples.RunFailed(), CancellationToken.None));

        Assert.True(failure.Transient, failure.Message);
        Assert.StartsWith($"email:data-team (127.0.0.1:{inbox.Port}): ", failure.Message, StringComparison.Ordinal);

        await inbox.StartAsync();
        await notifier.SendAsync("email:data-team", AlertSamples.RunFailed(), CancellationToken.None);
        Assert.Single(await inbox.WaitForMessagesAsync(1, Wait));
    }

    [Fact]
    public async Task SendAsync_ThrowsANonTransientFailureWithoutThePassword_WhenTheServerOffersNoAuthentication()
    {
        const string Password = "smtp-password-never-shown";
        await using var inbox = await SmtpInbox.StartNewAsync();
        var settings = inbox.ChannelSettings("data-team", "alerts@example.com", "oncall@example.com");
        settings["Orchestrator:Alerts:Channels:data-team:user"] = "alerts";
        settings["Orchestrator:Alerts:Channels:data-team:password"] = Password;
        await using var services = AlertServices.Build(settings);

        var failure = await Assert.ThrowsAsync<AlertDeliveryException>(
            () => services.GetRequiredService<IAlertNotifier>().SendAsync("email:data-team", AlertSamples.RunFailed(), CancellationToken.None));

        Assert.False(failure.Transient, failure.Message);
        Assert.Contains("authentication", failure.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Password, failure.ToString(), StringComparison.Ordinal);
        Assert.Empty(inbox.Messages());
    }

    [Fact]
    public async Task SendAsync_ThrowsANonTransientFailure_WhenTheChannelIsNotConfigured()
    {
        await using var services = AlertServices.Build(new Dictionary<string, string?>());
        var notifier = services.GetRequiredService<IAlertNotifier>();

        var failure = await Assert.ThrowsAsync<AlertDeliveryException>(() => notifier.SendAsync("email:x", AlertSamples.RunFailed(), CancellationToken.None));

        Assert.False(failure.Transient);
        Assert.Equal("channel email:x is not configured (set Orchestrator:Alerts:Channels:x)", failure.Message);
        Assert.False(notifier.IsConfigured("email:x"));
    }
}
