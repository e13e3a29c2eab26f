using System.CommandLine;
using Orchestrator.Cli.Commands;

namespace Orchestrator.Cli;

/// <summary>The <c>orchestrator</c> command line. Exit codes: 0 success, 1 failure (invalid file, failed run), 2 usage error.</summary>
public static class CliApp
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int UsageError = 2;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("Orchestrator: declarative workflows for data pipelines.")
        {
            ValidateCommand.Create(stdout, stderr),
            RunCommand.Create(stdout, stderr),
            ActivitiesCommand.Create(stdout),
            ConnectionsCommand.Create(stdout),
            AlertsCommand.Create(stdout, stderr),
            SchemaCommand.Create(stdout),
            ServerCommand.Create(stderr),
            RemoteCommands.Trigger(stdout, stderr),
            RemoteCommands.Backfill(stdout, stderr),
            DbCommand.Create(stdout, stderr),
        };

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await stderr.WriteLineAsync($"orchestrator: {error.Message}");
            }

            await stderr.WriteLineAsync("Run 'orchestrator --help' for usage.");
            return UsageError;
        }

        // A bad connection, pool or alert channel entry (or alert template) is a usage error of the environment, reported before any command runs.
        if ((CliServices.CheckConnections() ?? CliServices.CheckPools() ?? CliServices.CheckAlerts()) is { } problem)
        {
            await stderr.WriteLineAsync($"orchestrator: {problem}");
            return UsageError;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr });
    }
}
