using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Core.Activities;

namespace Orchestrator.Cli.Commands;

/// <summary><c>orchestrator activities [--json]</c>: the activity catalog with input and output schemas.</summary>
internal static class ActivitiesCommand
{
    public static Command Create(TextWriter stdout)
    {
        var json = new Option<bool>("--json") { Description = "Print the catalog as JSON, with input and output JSON Schemas." };
        var command = new Command("activities", "List the activity types this build knows.") { json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var services = CliServices.Build(CliServices.DefaultDataDirectory());
            var catalog = services.GetRequiredService<ActivityRegistry>().All;
            if (parse.GetValue(json))
            {
                var array = new JsonArray(catalog.Select(a => (JsonNode)new JsonObject
                {
                    ["type"] = a.Type,
                    ["category"] = a.Category,
                    ["description"] = a.Description,
                    ["inputSchema"] = a.InputSchema.DeepClone(),
                    ["outputSchema"] = a.OutputSchema.DeepClone(),
                }).ToArray());
                await stdout.WriteLineAsync(array.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                return CliApp.Success;
            }

            var width = catalog.Max(a => a.Type.Length) + 2;
            foreach (var activity in catalog)
            {
                var inputs = (activity.InputSchema["properties"] as JsonObject)?.Select(p => p.Key) ?? [];
                await stdout.WriteLineAsync($"{activity.Type.PadRight(width)}{activity.Description}");
                await stdout.WriteLineAsync($"{new string(' ', width)}inputs: {string.Join(", ", inputs)}");
            }

            return CliApp.Success;
        });
        return command;
    }
}
