using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Orchestrator.Core.Activities;

namespace Orchestrator.Activities.Alerts;

[Activity("notify.slack", Category = "Notify",
    Description = "Posts a message to a configured Slack alert channel (an incoming webhook): a text, and optionally Block Kit blocks passed through as given. " +
                  "A step of its own, for example with triggerRule one_failed; failure alerts of the workflow's alerts rules need no task.")]
public sealed partial class NotifySlackActivity(AlertChannelCatalog channels, SlackSender sender)
    : Activity<NotifySlackActivity.Input, NotifySlackActivity.Output>
{
    public sealed record Input
    {
        [Description("The Slack channel: its name (data-alerts) or reference (slack:data-alerts), configured as Orchestrator:Alerts:Channels:<name> or ORCHESTRATOR_CHANNEL_<NAME>.")]
        [MinLength(1)]
        public required string Channel { get; init; }

        [Description("The message (Slack mrkdwn); with blocks, the fallback text of notifications.")]
        [MinLength(1)]
        public required string Text { get; init; }

        [Description("Block Kit blocks (a JSON array), sent as given.")]
        public JsonArray? Blocks { get; init; }
    }

    public sealed record Output
    {
        [Description("The channel used, as a reference (slack:name).")]
        public required string Channel { get; init; }

        [Description("The webhook's HTTP status.")]
        public required int Status { get; init; }
    }

    protected override async Task<Output> ExecuteAsync(Input input, ActivityContext context)
    {
        try
        {
            var channel = (SlackChannel)channels.Resolve(input.Channel, SlackChannel.KindName);
            var payload = new JsonObject { ["text"] = input.Text };
            if (input.Blocks is { } blocks)
            {
                payload["blocks"] = blocks.DeepClone();
            }

            Posting(context.Logger, channel.Reference);
            var status = await sender.PostAsync(channel, payload, context.CancellationToken).ConfigureAwait(false);
            Posted(context.Logger, status);
            return new Output { Channel = channel.Reference, Status = status };
        }
        catch (AlertDeliveryException e)
        {
            throw new ActivityFailedException(e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Posting to {Channel}")]
    private static partial void Posting(ILogger logger, string channel);

    [LoggerMessage(Level = LogLevel.Information, Message = "The webhook answered {Status}")]
    private static partial void Posted(ILogger logger, int status);
}
