using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Activities.Alerts;
using Orchestrator.Core.Alerts;

namespace Orchestrator.Activities.Tests.Alerts;

/// <summary>The alert services as <c>AddOrchestratorActivities</c> registers them, over the given configuration only (no process environment).</summary>
internal static class AlertServices
{
    public static ServiceProvider Build(IReadOnlyDictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton(AlertChannelCatalog.Load(configuration, []))
            .AddLogging()
            .AddOrchestratorActivities()
            .BuildServiceProvider();
    }

    public static Dictionary<string, string?> Slack(string name, string webhookUrl) => new()
    {
        [$"Orchestrator:Alerts:Channels:{name}:type"] = "slack",
        [$"Orchestrator:Alerts:Channels:{name}:webhookUrl"] = webhookUrl,
        [$"Orchestrator:Alerts:Channels:{name}:username"] = "orchestrator",
        [$"Orchestrator:Alerts:Channels:{name}:iconEmoji"] = ":rotating_light:",
    };
}
