using System.CommandLine;
using Orchestrator.Core.Schema;

namespace Orchestrator.Cli.Commands;

/// <summary><c>orchestrator schema</c>: the workflow JSON Schema, as committed in workflows/workflow.schema.json.</summary>
internal static class SchemaCommand
{
    public static Command Create(TextWriter stdout)
    {
        var command = new Command("schema", "Print the JSON Schema of workflow files.");
        command.SetAction(async (parse, cancellationToken) =>
        {
            await stdout.WriteAsync(JsonSchemas.WorkflowText());
            return CliApp.Success;
        });
        return command;
    }
}
