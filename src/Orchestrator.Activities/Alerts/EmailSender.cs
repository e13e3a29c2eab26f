using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Orchestrator.Activities.Alerts;

/// <summary>
/// Sends one e-mail through an <see cref="EmailChannel"/>'s SMTP server with MailKit: connect with the channel's TLS mode,
/// authenticate when a user is set, send a <c>multipart/alternative</c> message (plain text and HTML). Failures become
/// <see cref="AlertDeliveryException"/>s free of secrets, transient when retrying may help.
/// </summary>
public sealed class EmailSender(AlertChannelCatalog channels, TimeProvider time)
{
    /// <summary>The Message-ID of the message with this idempotency key: the same key, the same id, so duplicates are recognisable.</summary>
    public static string MessageIdOf(string key)
        => $"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))}@orchestrator";

    /// <summary>Sends the message; returns its Message-ID (without angle brackets).</summary>
    /// <param name="to">Recipients instead of the channel's; null or empty for the channel's.</param>
    public async Task<string> SendAsync(EmailChannel channel, EmailContent content, string key, IReadOnlyList<string>? to, CancellationToken cancellationToken)
    {
        var message = Build(channel, content, key, to);
        using var timeout = new CancellationTokenSource(channel.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var token = linked.Token;
        using var client = new SmtpClient { Timeout = (int)Math.Min(int.MaxValue, channel.Timeout.TotalMilliseconds) };
        var where = $"{channel.Reference} ({channel.Host}:{channel.Port})";
        try
        {
            await client.ConnectAsync(channel.Host, channel.Port, Options(channel.Tls), token).ConfigureAwait(false);
            if (channel.User is not null)
            {
                await client.AuthenticateAsync(channel.User, channel.Password ?? "", token).ConfigureAwait(false);
            }

            await client.SendAsync(message, token).ConfigureAwait(false);
            await client.DisconnectAsync(quit: true, token).ConfigureAwait(false);
            return MessageIdOf(key);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Failure($"{where}: no answer within {channel.Timeout.TotalSeconds:0.#} s", transient: true, null);
        }
        catch (SmtpCommandException e)
        {
            // A permanent refusal of a sender or recipient (5xx) stays refused; anything else may pass later.
            var permanent = (int)e.StatusCode >= 500 && e.ErrorCode is SmtpErrorCode.RecipientNotAccepted or SmtpErrorCode.SenderNotAccepted;
            var who = e.Mailbox is { } mailbox ? $" ({mailbox.Address})" : "";
            throw Failure($"{where} refused{who}: {(int)e.StatusCode} {e.Message}", transient: !permanent, e);
        }
        catch (AuthenticationException e)
        {
            throw Failure($"{where}: authentication as '{channel.User}' failed: {e.Message}", transient: false, e);
        }
        catch (SslHandshakeException e)
        {
            throw Failure($"{where}: TLS handshake failed (tls={channel.Tls.ToString().ToLowerInvariant()}): {e.Message}", transient: false, e);
        }
        catch (NotSupportedException e)
        {
            throw Failure($"{where}: {e.Message} (check tls and user of the channel)", transient: false, e);
        }
        catch (Exception e) when (e is SocketException or IOException or TimeoutException or SmtpProtocolException or ServiceNotConnectedException)
        {
            throw Failure($"{where}: {e.Message}", transient: true, e);
        }
    }

    private static MimeMessage Build(EmailChannel channel, EmailContent content, string key, IReadOnlyList<string>? to)
    {
        var message = new MimeMessage { Subject = content.Subject, MessageId = MessageIdOf(key) };
        message.From.Add(MailboxAddress.Parse(channel.From));
        foreach (var address in to is { Count: > 0 } ? to : channel.To)
        {
            message.To.Add(MailboxAddress.Parse(address));
        }

        var body = new BodyBuilder { TextBody = content.Text, HtmlBody = content.Html };
        message.Body = body.ToMessageBody();
        return message;
    }

    private static SecureSocketOptions Options(SmtpTls tls) => tls switch
    {
        SmtpTls.None => SecureSocketOptions.None,
        SmtpTls.StartTls => SecureSocketOptions.StartTls,
        _ => SecureSocketOptions.SslOnConnect,
    };

    private AlertDeliveryException Failure(string message, bool transient, Exception? inner)
    {
        var masked = channels.Mask(message);
        // The cause goes along only when it holds no secret: whoever logs the exception logs its inner ones too.
        var keep = inner is not null && channels.Mask(inner.ToString()) == inner.ToString() ? inner : null;
        return new AlertDeliveryException(masked, transient, keep);
    }
}
