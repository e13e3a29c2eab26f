using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Logging;
using Orchestrator.Core.Activities;

namespace Orchestrator.Activities.Alerts;

[Activity("notify.email", Category = "Notify",
    Description = "Sends an e-mail (plain text, and HTML when given) through a configured e-mail alert channel, to its recipients or to the ones given. " +
                  "A step of its own, for example with triggerRule one_failed; failure alerts of the workflow's alerts rules need no task.")]
public sealed partial class NotifyEmailActivity(AlertChannelCatalog channels, EmailSender sender)
    : Activity<NotifyEmailActivity.Input, NotifyEmailActivity.Output>
{
    public sealed record Input
    {
        [Description("The e-mail channel: its name (data-team) or reference (email:data-team), configured as Orchestrator:Alerts:Channels:<name> or ORCHESTRATOR_CHANNEL_<NAME>.")]
        [MinLength(1)]
        public required string Channel { get; init; }

        [Description("The subject line.")]
        [MinLength(1)]
        public required string Subject { get; init; }

        [Description("The plain-text body.")]
        public required string Text { get; init; }

        [Description("An HTML body, sent beside the text one (multipart/alternative). Default: the text in a <pre>.")]
        public string? Html { get; init; }

        [Description("Recipients instead of the channel's.")]
        public IReadOnlyList<string>? To { get; init; }
    }

    public sealed record Output
    {
        [Description("The channel used, as a reference (email:name).")]
        public required string Channel { get; init; }

        [Description("The Message-ID, without angle brackets: the same for every attempt of the task in a run, so a retried send is recognisable as a duplicate.")]
        public required string MessageId { get; init; }

        [Description("The recipients.")]
        public required IReadOnlyList<string> To { get; init; }
    }

    protected override async Task<Output> ExecuteAsync(Input input, ActivityContext context)
    {
        EmailChannel channel;
        try
        {
            channel = (EmailChannel)channels.Resolve(input.Channel, EmailChannel.KindName);
        }
        catch (AlertDeliveryException e)
        {
            throw new ActivityFailedException(e.Message);
        }

        var to = input.To is { Count: > 0 } given ? given.Select(a => a.Trim()).Where(a => a.Length > 0).ToArray() : channel.To;
        foreach (var address in to)
        {
            if (!System.Net.Mail.MailAddress.TryCreate(address, out _))
            {
                throw new ActivityFailedException($"to: '{address}' is not an e-mail address");
            }
        }

        var html = input.Html ?? $"<pre>{System.Net.WebUtility.HtmlEncode(input.Text)}</pre>";
        var key = $"notify.email:{context.Run.RunId}:{context.TaskId}";
        Sending(context.Logger, channel.Reference, string.Join(", ", to));
        try
        {
            var id = await sender.SendAsync(channel, new EmailContent(input.Subject, input.Text, html), key, to, context.CancellationToken).ConfigureAwait(false);
            Sent(context.Logger, id);
            return new Output { Channel = channel.Reference, MessageId = id, To = to };
        }
        catch (AlertDeliveryException e)
        {
            throw new ActivityFailedException(e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sending e-mail through {Channel} to {To}")]
    private static partial void Sending(ILogger logger, string channel, string to);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sent as {MessageId}")]
    private static partial void Sent(ILogger logger, string messageId);
}
