using Microsoft.Extensions.Logging;

namespace Orchestrator.Activities.Alerts;

/// <summary>The <see cref="IAlertNotifier"/> of configured channels: resolve the channel, compose the message, send it.</summary>
public sealed partial class AlertNotifier(
    AlertChannelCatalog channels,
    AlertComposer composer,
    EmailSender email,
    SlackSender slack,
    ILogger<AlertNotifier> logger) : IAlertNotifier
{
    public bool IsConfigured(string channel) => channels.Find(channel) is not null;

    public async Task SendAsync(string channel, OutgoingAlert message, CancellationToken cancellationToken)
    {
        var resolved = channels.Resolve(channel);
        try
        {
            switch (resolved)
            {
                case EmailChannel emailChannel:
                    var id = await email.SendAsync(emailChannel, composer.ComposeEmail(message, emailChannel), message.Alert.Key, null, cancellationToken)
                        .ConfigureAwait(false);
                    EmailSent(logger, message.Event, message.Alert.WorkflowId, resolved.Reference, id);
                    break;
                case SlackChannel slackChannel:
                    var status = await slack.PostAsync(slackChannel, composer.ComposeSlack(message, slackChannel), cancellationToken).ConfigureAwait(false);
                    SlackPosted(logger, message.Event, message.Alert.WorkflowId, resolved.Reference, status);
                    break;
                default:
                    throw new AlertDeliveryException($"channel {resolved.Reference} has no sender", transient: false);
            }
        }
        catch (AlertDeliveryException e)
        {
            NotSent(logger, message.Event, message.Alert.WorkflowId, resolved.Reference, e.Transient, e.Message);
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {Event} of {WorkflowId} sent to {Channel} as {MessageId}")]
    private static partial void EmailSent(ILogger logger, string @event, string workflowId, string channel, string messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {Event} of {WorkflowId} posted to {Channel}: {Status}")]
    private static partial void SlackPosted(ILogger logger, string @event, string workflowId, string channel, int status);

    // Information, not a warning: the caller (the outbox's dispatcher, the CLI) decides whether a failure matters and reports it.
    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {Event} of {WorkflowId} not delivered to {Channel} (transient: {Transient}): {Reason}")]
    private static partial void NotSent(ILogger logger, string @event, string workflowId, string channel, bool transient, string reason);
}
