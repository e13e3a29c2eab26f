using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Activities.Alerts;
using Orchestrator.Core.Alerts;

namespace Orchestrator.Cli.Commands;

/// <summary>
/// <c>orchestrator alerts channels [--json]</c>: the alert channels this environment defines, secrets masked;
/// <c>orchestrator alerts test &lt;channel&gt;</c>: sends a test alert (exit 0 sent, 1 delivery failed, 2 unknown channel or bad configuration).
/// </summary>
internal static class AlertsCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
        => new("alerts", "Alert channels (Orchestrator__Alerts__Channels__*, ORCHESTRATOR_CHANNEL_*): list them, send a test alert.")
        {
            Channels(stdout),
            Test(stdout, stderr),
        };

    private static Command Channels(TextWriter stdout)
    {
        var json = new Option<bool>("--json") { Description = "Print the channels as JSON." };
        var command = new Command("channels", "List the configured alert channels, secrets masked.") { json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var services = CliServices.Build(CliServices.DefaultDataDirectory());
            var channels = services.GetRequiredService<AlertChannelCatalog>().All;
            if (parse.GetValue(json))
            {
                var array = new JsonArray(channels.Select(c => (JsonNode)new JsonObject
                {
                    ["channel"] = c.Reference,
                    ["name"] = c.Name,
                    ["type"] = c.Kind,
                    ["settings"] = new JsonObject(c.MaskedSettings.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => KeyValuePair.Create(s.Key, (JsonNode?)s.Value))),
                }).ToArray());
                await stdout.WriteLineAsync(array.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                return CliApp.Success;
            }

            foreach (var channel in channels)
            {
                await stdout.WriteLineAsync(channel.ToString());
            }

            return CliApp.Success;
        });
        return command;
    }

    private static Command Test(TextWriter stdout, TextWriter stderr)
    {
        var reference = new Argument<string>("channel") { Description = "The channel: email:<name> or slack:<name> (or a bare name)." };
        var command = new Command("test", "Send a test alert to a channel.") { reference };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var services = CliServices.Build(CliServices.DefaultDataDirectory());
            var catalog = services.GetRequiredService<AlertChannelCatalog>();
            AlertChannel channel;
            try
            {
                channel = catalog.Resolve(parse.GetValue(reference)!);
            }
            catch (AlertDeliveryException e)
            {
                await stderr.WriteLineAsync($"orchestrator: {e.Message}");
                return CliApp.UsageError;
            }

            var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
            var message = OutgoingAlert.Test(channel.Reference, $"'orchestrator alerts test {channel.Reference}'", now);
            try
            {
                await services.GetRequiredService<IAlertNotifier>().SendAsync(channel.Reference, message, cancellationToken);
            }
            catch (AlertDeliveryException e)
            {
                await stderr.WriteLineAsync($"orchestrator: {channel.Reference}: not delivered{(e.Transient ? " (transient)" : "")}: {e.Message}");
                return CliApp.Failure;
            }

            await stdout.WriteLineAsync($"sent a test alert to {channel.Reference}");
            return CliApp.Success;
        });
        return command;
    }
}
