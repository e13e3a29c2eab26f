using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Core.Connections;

namespace Orchestrator.Cli.Commands;

/// <summary><c>orchestrator connections [--json]</c>: the connections this environment defines, secrets masked.</summary>
internal static class ConnectionsCommand
{
    public static Command Create(TextWriter stdout)
    {
        var json = new Option<bool>("--json") { Description = "Print the connections as JSON." };
        var command = new Command("connections", "List the named connections (defaults, Orchestrator__Connections__*, ORCHESTRATOR_CONN_*), secrets masked.") { json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var services = CliServices.Build(CliServices.DefaultDataDirectory());
            var connections = services.GetRequiredService<ConnectionCatalog>().All;
            if (parse.GetValue(json))
            {
                var array = new JsonArray(connections.Select(c => (JsonNode)new JsonObject
                {
                    ["name"] = c.Name,
                    ["type"] = c.Type,
                    ["settings"] = new JsonObject(c.MaskedSettings.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => KeyValuePair.Create(s.Key, (JsonNode?)s.Value))),
                }).ToArray());
                await stdout.WriteLineAsync(array.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                return CliApp.Success;
            }

            foreach (var connection in connections)
            {
                await stdout.WriteLineAsync(connection.ToString());
            }

            return CliApp.Success;
        });
        return command;
    }
}
