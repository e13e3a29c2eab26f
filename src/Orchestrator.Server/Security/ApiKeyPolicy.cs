using System.Net;

namespace Orchestrator.Server.Security;

/// <summary>
/// Whether callers need an API key, decided once from the addresses the server actually bound — whatever chose them:
/// <c>urls</c>, <c>ASPNETCORE_URLS</c>, <c>--urls</c> or Kestrel endpoints — never from one of those settings alone.
/// Keys are required when configured so or when any bound address is beyond loopback; required keys that do not
/// exist are a refusal to serve. Requests wait for the decision (<see cref="WhenDecided"/>), so none is answered
/// before it.
/// </summary>
public sealed class ApiKeyPolicy
{
    private readonly TaskCompletionSource<bool> _serving = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Whether a request must present a key; meaningful once <see cref="WhenDecided"/> has completed.</summary>
    public bool Required { get; private set; } = true;

    /// <summary>Why the server refuses to serve (one line for the console), or null.</summary>
    public string? Refusal { get; private set; }

    /// <summary>Completes with true when requests may be served, false when the server refuses to.</summary>
    public Task<bool> WhenDecided => _serving.Task;

    /// <summary>Decides from the bound <paramref name="addresses"/>; an unknown address counts as beyond loopback.</summary>
    public void Decide(IReadOnlyCollection<string> addresses, SecurityOptions security)
    {
        var beyondLoopback = addresses.Count == 0 || !IsLoopbackOnly(addresses);
        Required = security.RequireApiKeys || beyondLoopback;
        if (Required && security.ApiKeys.Count == 0)
        {
            const string Configure = "configure API keys in Orchestrator:Security:ApiKeys (e.g. Orchestrator__Security__ApiKeys__0__Key and Orchestrator__Security__ApiKeys__0__Role)";
            Refusal = beyondLoopback
                ? $"The server listens on {(addresses.Count == 0 ? "unknown addresses" : string.Join(", ", addresses))}, beyond loopback, and has no API keys: {Configure}, or listen on 127.0.0.1 only."
                : $"Orchestrator:Security:RequireApiKeys is true but there are no API keys: {Configure}.";
        }

        _serving.TrySetResult(Refusal is null);
    }

    /// <summary>True when every address is on loopback: <c>localhost</c>, <c>127.x.x.x</c> or <c>[::1]</c>.</summary>
    public static bool IsLoopbackOnly(IEnumerable<string> urls)
        => urls.All(url =>
        {
            var host = url.Split("://", 2) is [_, var rest] ? rest.Split('/')[0] : url;
            host = host.StartsWith('[') ? host[..(host.IndexOf(']', StringComparison.Ordinal) + 1)] : host.Split(':')[0];
            return host is "localhost" || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
        });
}
