using System.Text.Json.Nodes;
using Orchestrator.Testing;

namespace Orchestrator.Cli.Tests;

public sealed class AlertsCommandTests : IDisposable
{
    private const string Password = "smtp-password-never-shown";
    private readonly string _work = Directory.CreateTempSubdirectory("orchestrator-cli-alerts-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task AlertsTest_DeliversOneEmailAndExitsZero_WhenTheChannelIsConfigured()
    {
        await using var inbox = await SmtpInbox.StartNewAsync();
        var environment = new Dictionary<string, string> { ["ORCHESTRATOR_CHANNEL_OPS"] = inbox.ChannelUri("alerts@example.com", "oncall@example.com") };

        var result = await CliProcess.RunAsync(_work, environment, "alerts", "test", "email:ops");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("sent a test alert to email:ops", result.Stdout.Trim());
        var message = Assert.Single(await inbox.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30)));
        Assert.StartsWith("[Orchestrator] test orchestrator ", message.Subject, StringComparison.Ordinal);
        Assert.Equal("oncall@example.com", Assert.Single(message.To.Mailboxes).Address);
        Assert.Contains("the channel works", message.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AlertsTest_ExitsOneWithTheReason_WhenTheServerIsDown()
    {
        await using var inbox = await SmtpInbox.StartNewAsync();
        await inbox.StopAsync();
        var environment = new Dictionary<string, string> { ["ORCHESTRATOR_CHANNEL_OPS"] = inbox.ChannelUri("alerts@example.com", "oncall@example.com") };

        var result = await CliProcess.RunAsync(_work, environment, "alerts", "test", "email:ops");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"orchestrator: email:ops: not delivered (transient): email:ops (127.0.0.1:{inbox.Port}): ", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("email:nope", "orchestrator: channel email:nope is not configured (set Orchestrator:Alerts:Channels:nope)")]
    [InlineData("pager:ops", "orchestrator: 'pager:ops' is not a channel reference (expected email:name or slack:name)")]
    public async Task AlertsTest_ExitsTwo_WhenTheChannelIsUnknownOrMalformed(string channel, string expected)
    {
        var result = await CliProcess.RunAsync(_work, "alerts", "test", channel);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(expected, result.Stderr.Trim());
    }

    [Fact]
    public async Task Alerts_ExitsTwoNamingTheEntry_WhenAChannelIsMisconfigured()
    {
        var environment = new Dictionary<string, string>
        {
            ["Orchestrator__Alerts__Channels__team__type"] = "email",
            ["Orchestrator__Alerts__Channels__team__host"] = "127.0.0.1",
            ["Orchestrator__Alerts__Channels__team__port"] = "70000",
        };

        var result = await CliProcess.RunAsync(_work, environment, "alerts", "channels");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("orchestrator: Orchestrator:Alerts:Channels:team: port '70000' is not a port number (1-65535)", result.Stderr.Trim());
    }

    [Fact]
    public async Task AlertsChannels_ListsTheChannelsWithSecretsMasked_AsTextAndJson()
    {
        var environment = new Dictionary<string, string>
        {
            ["ORCHESTRATOR_CHANNEL_OPS"] = "https://hooks.slack.com/services/T0001/B0002/webhook-token-never-shown",
            ["Orchestrator__Alerts__Channels__team__uri"] = $"smtp://alerts:{Password}@mail.example.com:587?from=alerts@example.com&to=a@example.com,b@example.com",
        };

        var text = await CliProcess.RunAsync(_work, environment, "alerts", "channels");
        var json = await CliProcess.RunAsync(_work, environment, "alerts", "channels", "--json");

        Assert.True(text.ExitCode == 0, text.Stderr);
        Assert.Equal(
            [
                "slack:ops (timeout=PT30S, webhookUrl=https://hooks.slack.com/***)",
                "email:team (from=alerts@example.com, host=mail.example.com, password=***, port=587, timeout=PT30S, tls=starttls, to=a@example.com,b@example.com, user=alerts)",
            ],
            text.StdoutLines);
        Assert.Equal(0, json.ExitCode);
        var channels = JsonNode.Parse(json.Stdout)!.AsArray();
        Assert.Equal(["slack:ops", "email:team"], channels.Select(c => (string?)c!["channel"]));
        Assert.Equal("***", (string?)channels[1]!["settings"]!["password"]);
        foreach (var output in new[] { text.Stdout + text.Stderr, json.Stdout + json.Stderr })
        {
            Assert.DoesNotContain(Password, output, StringComparison.Ordinal);
            Assert.DoesNotContain("webhook-token-never-shown", output, StringComparison.Ordinal);
        }
    }
}
