using System.CommandLine;
using Orchestrator.Server.Hosting;

namespace Orchestrator.Cli.Commands;

/// <summary><c>orchestrator server [-- host arguments]</c>: the workflow server, exactly as <c>dotnet run --project src/Orchestrator.Server</c>.</summary>
internal static class ServerCommand
{
    public static Command Create(TextWriter stderr)
    {
        var urls = new Option<string?>("--urls") { Description = $"Listen address(es); default {OrchestratorHost.DefaultUrl}." };
        var command = new Command("server", "Start the workflow server (API, scheduler, workers) with settings from appsettings.json and Orchestrator__* environment variables.") { urls };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, cancellationToken) =>
        {
            var args = parse.UnmatchedTokens.ToList();
            if (parse.GetValue(urls) is { } listen)
            {
                args.AddRange(["--urls", listen]);
            }

            return await OrchestratorHost.RunAsync(OrchestratorHost.Build([.. args]), stderr, cancellationToken);
        });
        return command;
    }
}
