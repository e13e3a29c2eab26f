using Microsoft.Extensions.Options;
using Orchestrator.Core.Alerts;

namespace Orchestrator.Server.Alerts;

public static class AlertsRegistration
{
    /// <summary>
    /// Alerts: the run queue writes them with the state changes (routing by workflow and default rules); the
    /// dispatcher delivers the outbox, the channel check warns about rules that name an unconfigured channel, and the SLA
    /// monitor adds <c>sla_missed</c>. Channels, templates and senders come with the activities.
    /// </summary>
    public static IServiceCollection AddOrchestratorAlerts(this IServiceCollection services)
    {
        services.AddOptions<AlertOptions>().BindConfiguration(AlertOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new AlertRouting(sp.GetRequiredService<IOptions<AlertOptions>>().Value.Rules()));
        services.AddSingleton<AlertSignal>();
        services.AddSingleton<AlertDispatcher>();
        services.AddHostedService<AlertDispatcherService>();
        services.AddSingleton<ChannelCheck>();
        services.AddHostedService(sp => sp.GetRequiredService<ChannelCheck>());
        services.AddSingleton<SlaMonitor>();
        services.AddHostedService<SlaMonitorService>();
        return services;
    }
}
