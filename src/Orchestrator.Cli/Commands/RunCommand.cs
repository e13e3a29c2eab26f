using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Cli.Display;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Json;
using Orchestrator.Core.Model;
using Orchestrator.Core.Validation;

namespace Orchestrator.Cli.Commands;

/// <summary>
/// <c>orchestrator run &lt;file&gt;</c>: runs a workflow once in this process (like <c>airflow dags test</c>).
/// On an interactive terminal the tasks are drawn live (states, a progress line, log lines above) and the run ends
/// with a summary table; elsewhere task logs and state changes stream to stderr as plain lines prefixed by task id.
/// The run's alerts go out through the configured channels before it exits. Exit 0 succeeded, 1 failed, 2 invalid input.
/// </summary>
internal static class RunCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var file = new Argument<string>("file") { Description = "The workflow file to run." };
        var param = new Option<string[]>("--param", "-p") { Description = "A run param as key=value; the value is JSON when it parses, else a string. Repeatable.", AllowMultipleArgumentsPerToken = false };
        var variable = new Option<string[]>("--var") { Description = "A template variable (vars.key) as key=value. Repeatable." };
        var logicalDate = new Option<string?>("--logical-date") { Description = "The run's logical date (ISO 8601); default now." };
        var output = new Option<string>("--output", "-o") { Description = "text (default) or json: one JSON object with the run and its tasks.", DefaultValueFactory = _ => "text" };
        output.AcceptOnlyFromAmong("text", "json");
        var dataDir = new Option<string?>("--data-dir") { Description = "Working directory of activities (default: $ORCHESTRATOR_DATA_DIR or ./data)." };
        var command = new Command("run", "Run a workflow once, in this process.") { file, param, variable, logicalDate, output, dataDir };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                await stderr.WriteLineAsync($"orchestrator: no such file: {path}");
                return CliApp.UsageError;
            }

            if (!TryParsePairs(parse.GetValue(param) ?? [], "--param", ParseValue, out var parameters, out var error)
                || !TryParsePairs(parse.GetValue(variable) ?? [], "--var", text => text, out var variables, out error))
            {
                await stderr.WriteLineAsync($"orchestrator: {error}");
                return CliApp.UsageError;
            }

            DateTimeOffset? logical = null;
            if (parse.GetValue(logicalDate) is { } dateText)
            {
                if (!DateTimeOffset.TryParse(dateText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
                {
                    await stderr.WriteLineAsync($"orchestrator: --logical-date '{dateText}' is not an ISO 8601 date-time");
                    return CliApp.UsageError;
                }

                logical = parsed;
            }

            var dataDirectory = parse.GetValue(dataDir) ?? CliServices.DefaultDataDirectory();
            Directory.CreateDirectory(dataDirectory);
            using var services = CliServices.Build(dataDirectory);
            var validation = services.GetRequiredService<WorkflowValidator>().ValidateFile(path);
            if (!validation.IsValid)
            {
                foreach (var diagnostic in validation.Diagnostics)
                {
                    await stderr.WriteLineAsync(diagnostic.ToString());
                }

                return CliApp.UsageError;
            }

            var plan = WorkflowPlan.Compile(validation.Definition!, services.GetRequiredService<ActivityRegistry>(), services.GetService<EngineDefaults>());
            var request = new RunRequest
            {
                Kind = RunKind.Manual,
                LogicalDate = logical,
                Params = parameters,
                Vars = variables,
            };

            var alerts = services.GetRequiredService<CliAlerts>();
            var unconfigured = alerts.Unconfigured(plan.Definition);
            foreach (var channel in unconfigured)
            {
                await stderr.WriteLineAsync(
                    $"orchestrator: alerts to {channel} will not be sent: the channel is not configured (set Orchestrator:Alerts:Channels:{ChannelReference.Parse(channel).Name})");
            }

            RunResult result;
            var localRun = services.GetRequiredService<LocalRun>();
            try
            {
                // Drawn live on an interactive terminal; plain lines, one per state change, anywhere else.
                var board = new RunBoard(plan.Definition.Id, plan.Definition.Tasks.Select(t => t.Id));
                result = ConsoleModes.Terminal(stderr) is { } terminal
                    ? await new LiveRunDisplay(terminal, board, services.GetRequiredService<TimeProvider>())
                        .RunAsync(observer => localRun.RunAsync(plan, request, observer, cancellationToken))
                    : await localRun.RunAsync(plan, request, new ConsoleRunObserver(stderr, board), cancellationToken);
            }
            catch (ParamValidationException e)
            {
                foreach (var problem in e.Errors)
                {
                    await stderr.WriteLineAsync($"orchestrator: {problem}");
                }

                return CliApp.UsageError;
            }

            await alerts.DeliverAsync(result.Run.Id, unconfigured, stderr);
            if (parse.GetValue(output) == "json")
            {
                await stdout.WriteLineAsync(RunReport.Json(result));
            }
            else if (ConsoleModes.Terminal(stdout) is { } terminal)
            {
                terminal.Write(RunView.Summary(result));
            }
            else
            {
                await stdout.WriteAsync(RunReport.Text(result));
            }

            return result.Run.State == RunState.Succeeded ? CliApp.Success : CliApp.Failure;
        });
        return command;
    }

    private static bool TryParsePairs<T>(string[] pairs, string option, Func<string, T> parseValue, out Dictionary<string, T> values, out string error)
    {
        values = new Dictionary<string, T>(StringComparer.Ordinal);
        error = "";
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                error = $"{option} '{pair}' is not key=value";
                return false;
            }

            values[pair[..equals]] = parseValue(pair[(equals + 1)..]);
        }

        return true;
    }

    /// <summary>JSON when the text parses as JSON (10, true, [1,2], {"a":1}, "quoted"), else the text as a string.</summary>
    internal static JsonElement ParseValue(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(text, OrchestratorJsonContext.Default.String);
        }
    }
}
