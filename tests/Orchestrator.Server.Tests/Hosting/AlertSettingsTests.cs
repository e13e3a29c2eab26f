using Microsoft.Extensions.Configuration;
using Orchestrator.Server.Hosting;

namespace Orchestrator.Server.Tests.Hosting;

/// <summary>A bad alert channel or alert template stops the start, naming the entry or the file.</summary>
public sealed class AlertSettingsTests
{
    [Fact]
    public void Build_FailsNamingTheEntry_WhenAnAlertChannelHasNoRecipients()
    {
        var error = Assert.Throws<InvalidOperationException>(() => OrchestratorHost.Build(["--urls", "http://127.0.0.1:0"], builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Orchestrator:Alerts:Channels:data-team:type"] = "email",
                ["Orchestrator:Alerts:Channels:data-team:host"] = "127.0.0.1",
                ["Orchestrator:Alerts:Channels:data-team:from"] = "alerts@example.com",
            })));

        Assert.Equal("Alerts: Orchestrator:Alerts:Channels:data-team: to is missing", error.Message);
    }

    [Fact]
    public void Build_FailsNamingTheFile_WhenTheSlackTemplateOverrideRendersNoJson()
    {
        var folder = Directory.CreateTempSubdirectory("orchestrator-alert-templates-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "slack.liquid"), "text: {{ alert.error }}");

            var error = Assert.Throws<InvalidOperationException>(() => OrchestratorHost.Build(["--urls", "http://127.0.0.1:0"], builder =>
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Orchestrator:Alerts:Templates"] = folder })));

            Assert.StartsWith($"Alerts: alert template {Path.Combine(folder, "slack.liquid")} did not render valid JSON", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
