using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Persistence;
using Orchestrator.Server.Storage;

namespace Orchestrator.Cli.Commands;

/// <summary><c>orchestrator db migrate</c>: applies the database migrations the server would apply at start-up.</summary>
internal static class DbCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var migrate = new Command("migrate", "Bring the database schema up to date (settings as for the server: appsettings.json, Orchestrator__* variables).");
        migrate.SetAction(async (parse, cancellationToken) =>
        {
            var configuration = new ConfigurationBuilder()
                .SetBasePath(Environment.CurrentDirectory)
                .AddJsonFile("appsettings.json", optional: true)
                .AddEnvironmentVariables()
                .Build();
            var services = new ServiceCollection().AddLogging();
            try
            {
                services.AddOrchestratorStorage(DatabaseChoice.From(configuration));
            }
            catch (InvalidOperationException e)
            {
                await stderr.WriteLineAsync($"orchestrator: {e.Message}");
                return CliApp.UsageError;
            }

            await using var provider = services.BuildServiceProvider();
            var applied = await provider.GetRequiredService<DatabaseMigrator>().MigrateAsync(cancellationToken);
            await stdout.WriteLineAsync(applied.Count == 0
                ? "The database schema is current."
                : $"Applied {applied.Count} migration(s): {string.Join(", ", applied)}.");
            return CliApp.Success;
        });
        return new Command("db", "Database maintenance.") { migrate };
    }
}
