using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Cli.Commands;

/// <summary>
/// <c>orchestrator trigger</c> and <c>orchestrator backfill</c>: ask a running server, over its REST API, to create
/// runs. The server address comes from <c>--server</c> or <c>$ORCHESTRATOR_SERVER</c>; the key from <c>$ORCHESTRATOR_API_KEY</c>.
/// </summary>
internal static class RemoteCommands
{
    private static Option<string> ServerOption() => new("--server")
    {
        Description = "The server's base URL (default: $ORCHESTRATOR_SERVER or http://127.0.0.1:8080).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("ORCHESTRATOR_SERVER") is { Length: > 0 } s ? s : "http://127.0.0.1:8080",
    };

    public static Command Trigger(TextWriter stdout, TextWriter stderr)
    {
        var workflow = new Argument<string>("workflow") { Description = "The workflow id." };
        var param = new Option<string[]>("--param", "-p") { Description = "A run param as key=value (JSON when it parses). Repeatable." };
        var logicalDate = new Option<DateTimeOffset?>("--logical-date") { Description = "The run's logical date (ISO 8601); default now." };
        var server = ServerOption();
        var command = new Command("trigger", "Trigger a manual run on a running server.") { workflow, param, logicalDate, server };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var parameters = new JsonObject();
            foreach (var pair in parse.GetValue(param) ?? [])
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    await stderr.WriteLineAsync($"orchestrator: --param '{pair}' is not key=value");
                    return CliApp.UsageError;
                }

                parameters[pair[..equals]] = JsonSerializer.SerializeToNode(RunCommand.ParseValue(pair[(equals + 1)..]));
            }

            var body = new JsonObject { ["params"] = parameters };
            if (parse.GetValue(logicalDate) is { } date)
            {
                body["logicalDate"] = date.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
            }

            return await SendAsync(parse.GetValue(server)!, $"api/v1/workflows/{Uri.EscapeDataString(parse.GetValue(workflow)!)}/runs", body, stdout, stderr, cancellationToken);
        });
        return command;
    }

    public static Command Backfill(TextWriter stdout, TextWriter stderr)
    {
        var workflow = new Argument<string>("workflow") { Description = "The workflow id (it must have a schedule)." };
        var from = new Option<DateTimeOffset>("--from") { Description = "First logical date (inclusive, ISO 8601).", Required = true };
        var to = new Option<DateTimeOffset>("--to") { Description = "End of the range (exclusive, ISO 8601).", Required = true };
        var server = ServerOption();
        var command = new Command("backfill", "Create one run per data interval of a scheduled workflow between --from and --to.") { workflow, from, to, server };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var body = new JsonObject
            {
                ["from"] = parse.GetValue(from).ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                ["to"] = parse.GetValue(to).ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            };
            return await SendAsync(parse.GetValue(server)!, $"api/v1/workflows/{Uri.EscapeDataString(parse.GetValue(workflow)!)}/backfill", body, stdout, stderr, cancellationToken);
        });
        return command;
    }

    private static async Task<int> SendAsync(string server, string path, JsonObject body, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = new Uri(server.TrimEnd('/') + "/") };
        if (Environment.GetEnvironmentVariable("ORCHESTRATOR_API_KEY") is { Length: > 0 } key)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        }

        HttpResponseMessage response;
        try
        {
            response = await client.PostAsJsonAsync(path, body, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            await stderr.WriteLineAsync($"orchestrator: cannot reach the server at {server}: {e.Message}");
            return CliApp.Failure;
        }

        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            await stderr.WriteLineAsync($"orchestrator: {(int)response.StatusCode} {response.ReasonPhrase}: {text}");
            return response.StatusCode is System.Net.HttpStatusCode.BadRequest or System.Net.HttpStatusCode.NotFound ? CliApp.UsageError : CliApp.Failure;
        }

        await stdout.WriteLineAsync(text);
        return CliApp.Success;
    }
}
