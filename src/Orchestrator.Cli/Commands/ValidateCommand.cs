using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Core.Json;
using Orchestrator.Core.Validation;

namespace Orchestrator.Cli.Commands;

/// <summary><c>orchestrator validate &lt;file|dir&gt;</c>: compiler-style errors, exit 0 valid, 1 invalid, 2 usage.</summary>
internal static class ValidateCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var path = new Argument<string>("path") { Description = "A workflow file, or a directory whose *.json files are workflows." };
        var command = new Command("validate", "Check workflow files; print every error as path:line:col: error CODE: message.") { path };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var target = parse.GetValue(path)!;
            string[] files;
            if (Directory.Exists(target))
            {
                files = WorkflowFiles(target);
            }
            else if (File.Exists(target))
            {
                files = [target];
            }
            else
            {
                await stderr.WriteLineAsync($"orchestrator: no such file or directory: {target}");
                return CliApp.UsageError;
            }

            using var services = CliServices.Build(CliServices.DefaultDataDirectory());
            var validator = services.GetRequiredService<WorkflowValidator>();
            var results = files.Select(validator.ValidateFile).ToList();
            var diagnostics = results.SelectMany(r => r.Diagnostics).Concat(DuplicateIds(results)).ToList();
            foreach (var diagnostic in diagnostics)
            {
                await stdout.WriteLineAsync(diagnostic.ToString());
            }

            await stderr.WriteLineAsync($"{files.Length} file(s) checked, {diagnostics.Count} error(s)");
            return diagnostics.Count == 0 ? CliApp.Success : CliApp.Failure;
        });
        return command;
    }

    /// <summary>Workflow files of a directory: *.json, except JSON Schemas (*.schema.json).</summary>
    public static string[] WorkflowFiles(string directory)
        => Directory.GetFiles(directory, "*.json", SearchOption.TopDirectoryOnly)
            .Where(f => !f.EndsWith(".schema.json", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToArray();

    private static IEnumerable<Diagnostic> DuplicateIds(IEnumerable<WorkflowValidationResult> results)
        => results.Where(r => r.Definition is not null)
            .GroupBy(r => r.Definition!.Id, StringComparer.Ordinal)
            .Where(g => g.Count() > 1)
            .SelectMany(g => g.Skip(1).Select(r => new Diagnostic(r.File, TextPosition.Start, "$.id", DiagnosticCodes.DuplicateWorkflowId,
                $"workflow id '{g.Key}' is also defined in {g.First().File}")));
}
