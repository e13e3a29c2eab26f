using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Orchestrator.Core.Engine;
using Orchestrator.Server.Hosting;

namespace Orchestrator.Server.Api;

/// <summary><c>/api/v1/server</c>: which node answers, what it runs on, and what the caller's key may do.</summary>
public static class ServerEndpoints
{
    private static readonly string Version =
        typeof(ServerEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static RouteGroupBuilder MapServerEndpoints(this RouteGroupBuilder api)
    {
        // Open to every caller: a browser learns here whether it must ask for a key, and whether the key it holds is valid.
        api.MapGet("/server", Describe).AllowAnonymous().WithName("getServer").WithTags("Server")
            .WithSummary("This node's name and version, the database, whether keys are required, and the caller's role (null without a valid key).");
        return api;
    }

    private static Ok<ServerInfoDto> Describe(
        HttpContext context, WorkerSettings worker, IOptions<DatabaseOptions> database, IOptions<OrchestratorOptions> options, Security.ApiKeyPolicy keys)
        => TypedResults.Ok(new ServerInfoDto(
            worker.Name,
            Version,
            database.Value.Provider,
            keys.Required,
            context.User.FindFirst(Security.ApiKeyAuthenticationHandler.RoleClaim)?.Value.ToLowerInvariant(),
            options.Value.PublicUrl));
}

/// <summary>What <c>GET /api/v1/server</c> answers; <c>role</c> is viewer, operator, editor or admin.</summary>
public sealed record ServerInfoDto(string Node, string Version, string Database, bool KeysRequired, string? Role, string? PublicUrl);
