using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Orchestrator.Server.Security;

/// <summary>
/// Decides the <see cref="ApiKeyPolicy"/> once the web server has bound its addresses (the web server starts after
/// every other hosted service, before the started phase) and stops the application when it must refuse to serve;
/// <see cref="Hosting.OrchestratorHost.RunAsync"/> then prints the reason and exits non-zero.
/// </summary>
public sealed class ListenAddressCheck(IServer server, ApiKeyPolicy policy, IOptions<SecurityOptions> security, IHostApplicationLifetime lifetime)
    : IHostedLifecycleService
{
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        policy.Decide(server.Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [], security.Value);
        if (policy.Refusal is not null)
        {
            lifetime.StopApplication();
        }

        return Task.CompletedTask;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
