using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Orchestrator.Activities.Alerts;
using Orchestrator.Activities.Tests.Support;
using Orchestrator.Core.Alerts;
using Orchestrator.Core.Model;

namespace Orchestrator.Activities.Tests.Alerts;

public sealed class AlertComposerTests
{
    private readonly AlertComposer _composer = new();

    [Fact]
    public void ComposeEmail_WritesEventWorkflowAndLogicalDateInUtc_InTheSubject()
    {
        var content = _composer.ComposeEmail(AlertSamples.RunFailed(), AlertSamples.Email());

        Assert.Equal("[Orchestrator] run_failed transactions-etl 2026-11-23T10:00Z", content.Subject);
    }

    [Fact]
    public void ComposeEmail_WritesTheOccurrenceTime_WhenThereIsNoLogicalDate()
    {
        var content = _composer.ComposeEmail(AlertSamples.RunFailed(change: a => a with { LogicalDate = null, Event = AlertEvent.SlaMissed }), AlertSamples.Email());

        Assert.Equal("[Orchestrator] sla_missed transactions-etl 2026-11-23T10:07Z", content.Subject);
    }

    [Fact]
    public void ComposeEmail_PutsEveryFactInBothParts_WhenTheMessageHasThemAll()
    {
        var content = _composer.ComposeEmail(AlertSamples.RunFailed(occurrences: 4), AlertSamples.Email());

        Assert.Contains("Workflow:     transactions-etl", content.Text, StringComparison.Ordinal);
        Assert.Contains($"Run:          {AlertSamples.RunId}", content.Text, StringComparison.Ordinal);
        Assert.Contains("Task:         clean", content.Text, StringComparison.Ordinal);
        Assert.Contains("Attempt:      3", content.Text, StringComparison.Ordinal);
        Assert.Contains("duplicate key \"transaction_id\" <tx-1> & more", content.Text, StringComparison.Ordinal);
        Assert.Contains("3 rows rejected", content.Text, StringComparison.Ordinal);
        Assert.Contains("4 occurrences folded into this alert, the last at 2026-11-23T10:07:00Z", content.Text, StringComparison.Ordinal);
        Assert.Contains("line 3 <b>bold</b> & \"quoted\"", content.Text, StringComparison.Ordinal);
        Assert.Contains("Open the run: " + AlertSamples.RunFailed().RunUrl, content.Text, StringComparison.Ordinal);

        Assert.Contains("<td>transactions-etl</td>", content.Html, StringComparison.Ordinal);
        Assert.Contains($">{AlertSamples.RunId}</a>", content.Html, StringComparison.Ordinal);
        Assert.Contains("<td>clean</td>", content.Html, StringComparison.Ordinal);
        Assert.Contains("<td>3</td>", content.Html, StringComparison.Ordinal);
        Assert.Contains("duplicate key &quot;transaction_id&quot; &lt;tx-1&gt; &amp; more", content.Html, StringComparison.Ordinal);
        Assert.Contains("3 rows rejected", content.Html, StringComparison.Ordinal);
        Assert.Contains("4 occurrences folded into this alert", content.Html, StringComparison.Ordinal);
        Assert.Contains("href=\"http://127.0.0.1:8080/runs/0b9d2f0e-5c1a-4c55-9d8e-2f7a3c9e1a11?tab=logs&amp;task=clean\"", content.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void ComposeEmail_LeavesOutOccurrencesAndTheLink_WhenThereIsOneOccurrenceAndNoRunUrl()
    {
        var content = _composer.ComposeEmail(AlertSamples.RunFailed(change: a => a with { RunId = null, TaskId = null }) with { RunUrl = null }, AlertSamples.Email());

        Assert.DoesNotContain("occurrences", content.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Open the run", content.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Task:", content.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("href", content.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void ComposeEmail_ShowsTheLastFiftyLogLinesHtmlEscapedInAPre_WhenTheTailIsLonger()
    {
        var content = _composer.ComposeEmail(AlertSamples.RunFailed(logLines: 80), AlertSamples.Email());

        Assert.Contains("Last 50 log lines:", content.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("line 30 ", content.Text, StringComparison.Ordinal);
        Assert.Contains("line 31 ", content.Text, StringComparison.Ordinal);
        Assert.Contains("line 80 ", content.Text, StringComparison.Ordinal);

        var pre = content.Html[content.Html.LastIndexOf("<pre", StringComparison.Ordinal)..];
        pre = pre[..(pre.IndexOf("</pre>", StringComparison.Ordinal) + 6)];
        var lines = pre.Split('\n');
        Assert.Equal(50, lines.Length);
        Assert.StartsWith("<pre", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("line 31 &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;", lines[0], StringComparison.Ordinal);
        Assert.Equal("line 80 &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;</pre>", lines[^1]);
        Assert.DoesNotContain("<b>", content.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void ComposeSlack_BuildsABlockKitPayload_WhenTheMessageHasEveryField()
    {
        var payload = _composer.ComposeSlack(AlertSamples.RunFailed(occurrences: 2), AlertSamples.Slack());

        Assert.Equal("run_failed in workflow transactions-etl, task clean (2026-11-23T10:00Z), 2 occurrences", (string?)payload["text"]);
        Assert.Equal("orchestrator", (string?)payload["username"]);
        Assert.Equal(":rotating_light:", (string?)payload["icon_emoji"]);
        var blocks = payload["blocks"]!.AsArray();
        Assert.Equal(["header", "section", "section", "section", "section", "context", "actions"], blocks.Select(b => (string?)b!["type"]));
        Assert.Equal("run_failed: transactions-etl", (string?)blocks[0]!["text"]!["text"]);
        Assert.Equal(
            ["*Workflow*\ntransactions-etl", $"*Run*\n<{AlertSamples.RunFailed().RunUrl}|{AlertSamples.RunId}>", "*Task*\nclean", "*Attempt*\n3"],
            blocks[1]!["fields"]!.AsArray().Select(f => (string?)f!["text"]));
        Assert.Equal("*Error*\nduplicate key \"transaction_id\" &lt;tx-1&gt; &amp; more", (string?)blocks[2]!["text"]!["text"]);
        Assert.Equal("*Detail*\n3 rows rejected", (string?)blocks[3]!["text"]!["text"]);
        var log = (string)blocks[4]!["text"]!["text"]!;
        Assert.StartsWith("```\nline 1 &lt;b&gt;", log, StringComparison.Ordinal);
        Assert.EndsWith("line 3 &lt;b&gt;bold&lt;/b&gt; &amp; \"quoted\"\n```", log, StringComparison.Ordinal);
        var button = blocks[6]!["elements"]![0]!;
        Assert.Equal("button", (string?)button["type"]);
        Assert.Equal(AlertSamples.RunFailed().RunUrl, (string?)button["url"]);
    }

    [Fact]
    public void ComposeSlack_KeepsTheLogBlockWithinSlacksTextLimit_WhenTheTailIsLong()
    {
        var message = AlertSamples.RunFailed(change: a => a with { Error = new string('e', 5000) }) with
        {
            LogTail = Enumerable.Range(1, 50).Select(i => $"{i:D2} " + new string('x', 200)).ToArray(),
            RunUrl = null,
        };

        var blocks = _composer.ComposeSlack(message, AlertSamples.Slack())["blocks"]!.AsArray();

        Assert.DoesNotContain(blocks, b => (string?)b!["type"] == "actions");
        var texts = blocks.Where(b => (string?)b!["type"] == "section" && b["text"] is not null).Select(b => (string)b!["text"]!["text"]!).ToArray();
        Assert.All(texts, t => Assert.True(t.Length <= 3000, $"{t.Length} characters"));
        var log = texts.Single(t => t.StartsWith("```", StringComparison.Ordinal));
        Assert.Contains("50 xxx", log, StringComparison.Ordinal);
        Assert.DoesNotContain("01 xxx", log, StringComparison.Ordinal);
    }

    [Fact]
    public void ComposeSlack_LeavesOutAbsentFields_WhenTheMessageIsMinimal()
    {
        var message = new OutgoingAlert(new AlertRecord { Id = Guid.Empty, Key = "k", Event = AlertEvent.Anomaly, Channel = "slack:s", WorkflowId = "w", OccurredAt = DateTimeOffset.UnixEpoch });

        var payload = _composer.ComposeSlack(message, new SlackChannel("s", new Uri("http://127.0.0.1/hook")));

        Assert.Null(payload["username"]);
        Assert.Equal(["header", "section", "context"], payload["blocks"]!.AsArray().Select(b => (string?)b!["type"]));
        Assert.Single(payload["blocks"]![1]!["fields"]!.AsArray());
    }

    [Fact]
    public void Load_UsesTheFilesOfTheOverrideFolder_WhenTheyHaveTheTemplateNames()
    {
        using var folder = new TempFolder();
        File.WriteAllText(Path.Combine(folder.Path, AlertComposer.EmailSubject), "ALERT {{ alert.event | upcase }} {{ alert.workflow }} #{{ alert.occurrences }}");
        File.WriteAllText(Path.Combine(folder.Path, AlertComposer.Slack), """{ "text": {{ alert.error | json }}, "channel_name": {{ channel.name | json }} }""");
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [AlertComposer.TemplatesKey] = folder.Path }).Build();

        var composer = AlertComposer.Load(configuration);
        var email = composer.ComposeEmail(AlertSamples.RunFailed(occurrences: 2), AlertSamples.Email());
        var slack = composer.ComposeSlack(AlertSamples.RunFailed(), AlertSamples.Slack());

        Assert.Equal("ALERT RUN_FAILED transactions-etl #2", email.Subject);
        Assert.Contains("Workflow:     transactions-etl", email.Text, StringComparison.Ordinal);
        Assert.Equal(JsonNode.Parse("""{ "text": "duplicate key \"transaction_id\" <tx-1> & more", "channel_name": "data-alerts" }"""), slack, JsonNode.DeepEquals);
        Assert.Equal(Path.Combine(folder.Path, AlertComposer.Slack), composer.Origins[AlertComposer.Slack]);
        Assert.Equal("the built-in email-html.liquid", composer.Origins[AlertComposer.EmailHtml]);
    }

    [Fact]
    public void Load_ThrowsAClearError_WhenASlackOverrideDoesNotRenderJson()
    {
        using var folder = new TempFolder();
        var file = Path.Combine(folder.Path, AlertComposer.Slack);
        File.WriteAllText(file, """{ "text": "{{ alert.error }}" }""");

        var error = Assert.Throws<FormatException>(() => new AlertComposer(folder.Path));

        Assert.Contains($"alert template {file} did not render valid JSON", error.Message, StringComparison.Ordinal);
        Assert.Contains("use the json filter", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ThrowsAClearError_WhenAnOverrideDoesNotParse()
    {
        using var folder = new TempFolder();
        var file = Path.Combine(folder.Path, AlertComposer.EmailHtml);
        File.WriteAllText(file, "{% if alert.error %}never closed");

        var error = Assert.Throws<FormatException>(() => new AlertComposer(folder.Path));

        Assert.StartsWith($"alert template {file} does not parse", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ThrowsAClearError_WhenTheOverrideFolderIsMissing()
    {
        var error = Assert.Throws<FormatException>(() => new AlertComposer("no-such-alert-templates"));

        Assert.Contains("Orchestrator:Alerts:Templates: the alert template folder", error.Message, StringComparison.Ordinal);
    }
}
