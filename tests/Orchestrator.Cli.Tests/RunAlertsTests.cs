using Orchestrator.Testing;

namespace Orchestrator.Cli.Tests;

/// <summary><c>orchestrator run</c> records its alerts as a server does and delivers them before it exits.</summary>
public sealed class RunAlertsTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("orchestrator-cli-run-alerts-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string Failing(string channel)
    {
        var path = Path.Combine(_work, "failing.json");
        File.WriteAllText(path, $$"""
            {
              "id": "failing",
              "alerts": [ { "on": ["run_failed"], "notify": ["{{channel}}"] } ],
              "tasks": [ { "id": "boom", "activity": "core.fail" } ]
            }
            """);
        return path;
    }

    [Fact]
    public async Task Run_SendsExactlyOneRunFailedEmail_WhenTheWorkflowFailsAndItsChannelIsConfigured()
    {
        await using var inbox = await SmtpInbox.StartNewAsync();
        var environment = new Dictionary<string, string> { ["ORCHESTRATOR_CHANNEL_OPS"] = inbox.ChannelUri("alerts@example.com", "oncall@example.com") };

        var result = await CliProcess.RunAsync(_work, environment, "run", Failing("email:ops"));

        Assert.True(result.ExitCode == 1, $"exit code {result.ExitCode}:\n{result.Stderr}");
        Assert.DoesNotContain("orchestrator: alert", result.Stderr, StringComparison.Ordinal);
        var message = Assert.Single(await inbox.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Single(inbox.Messages());
        Assert.Contains("failing", message.Subject, StringComparison.Ordinal);
        Assert.Equal("oncall@example.com", Assert.Single(message.To.Mailboxes).Address);
        Assert.Contains("boom", message.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_PrintsOneLineAndKeepsTheRunsExitCode_WhenTheAlertChannelIsNotConfigured()
    {
        var result = await CliProcess.RunAsync(_work, "run", Failing("email:nope"));

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n'), l => l.Contains("email:nope", StringComparison.Ordinal));
        Assert.Equal("orchestrator: alerts to email:nope will not be sent: the channel is not configured (set Orchestrator:Alerts:Channels:nope)", line.Trim());
    }

    [Fact]
    public async Task Run_ReportsTheUndeliveredAlertOnStderr_WhenTheMailServerIsDown()
    {
        await using var inbox = await SmtpInbox.StartNewAsync();
        await inbox.StopAsync();
        var environment = new Dictionary<string, string>
        {
            ["ORCHESTRATOR_CHANNEL_OPS"] = inbox.ChannelUri("alerts@example.com", "oncall@example.com"),
            ["Orchestrator__Alerts__RetryDelay"] = "00:00:00.050",
            ["Orchestrator__Alerts__GiveUpAfter"] = "00:00:01",
        };

        var result = await CliProcess.RunAsync(_work, environment, "run", Failing("email:ops"));

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n'), l => l.StartsWith("orchestrator: alert ", StringComparison.Ordinal));
        Assert.StartsWith($"orchestrator: alert run_failed to email:ops not delivered: email:ops (127.0.0.1:{inbox.Port}): ", line, StringComparison.Ordinal);
    }
}
