using Orchestrator.Core.Connections;
using Orchestrator.Core.Json;

namespace Orchestrator.Activities.Alerts;

/// <summary>A named alert destination configured on the server or in the CLI's environment, never in workflow JSON.</summary>
public abstract record AlertChannel(string Name)
{
    /// <summary>The kind, as references write it: <c>email</c> or <c>slack</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>How workflows name it: <c>email:data-team</c>.</summary>
    public string Reference => $"{Kind}:{Name}";

    /// <summary>How long one delivery may take (connect, authenticate, send) before it counts as a transient failure.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The settings with secrets replaced by <c>***</c>: what listings and logs show.</summary>
    public abstract IReadOnlyDictionary<string, string> MaskedSettings { get; }

    /// <summary>The secret values of this channel, for <see cref="AlertChannelCatalog.Mask"/>.</summary>
    internal abstract IEnumerable<string> Secrets { get; }

    /// <summary>One line for messages: <c>email:data-team (host=smtp.example.com, password=***, ...)</c>.</summary>
    public sealed override string ToString()
        => $"{Reference} ({string.Join(", ", MaskedSettings.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={s.Value}"))})";
}

/// <summary>How an SMTP connection is secured.</summary>
public enum SmtpTls
{
    /// <summary>Plain text (a relay on the same host or network).</summary>
    None,

    /// <summary>Plain connect, then STARTTLS, required (submission port 587).</summary>
    StartTls,

    /// <summary>TLS from the first byte (port 465, <c>smtps://</c>).</summary>
    Ssl,
}

/// <summary>An e-mail channel: an SMTP server, a sender and the recipients.</summary>
public sealed record EmailChannel(string Name, string Host, int Port, SmtpTls Tls, string From, IReadOnlyList<string> To) : AlertChannel(Name)
{
    public const string KindName = "email";

    public override string Kind => KindName;

    public string? User { get; init; }

    public string? Password { get; init; }

    public override IReadOnlyDictionary<string, string> MaskedSettings
    {
        get
        {
            var settings = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["host"] = Host,
                ["port"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["tls"] = Tls.ToString().ToLowerInvariant(),
                ["from"] = From,
                ["to"] = string.Join(",", To),
                ["timeout"] = IsoDuration.Format(Timeout),
            };
            if (User is not null)
            {
                settings["user"] = User;
            }

            if (Password is not null)
            {
                settings["password"] = SecretSettings.Mask;
            }

            return settings;
        }
    }

    internal override IEnumerable<string> Secrets => Password is { Length: > 0 } password ? [password, Uri.EscapeDataString(password)] : [];
}

/// <summary>A Slack channel: an incoming-webhook URL (a secret: whoever has it may post) and how posts are signed.</summary>
public sealed record SlackChannel(string Name, Uri WebhookUrl) : AlertChannel(Name)
{
    public const string KindName = "slack";

    public override string Kind => KindName;

    public string? Username { get; init; }

    public string? IconEmoji { get; init; }

    public string? IconUrl { get; init; }

    /// <summary>The webhook with its path and query hidden: <c>https://hooks.slack.com/***</c>.</summary>
    public string MaskedWebhookUrl => $"{WebhookUrl.Scheme}://{WebhookUrl.Authority}/{SecretSettings.Mask}";

    public override IReadOnlyDictionary<string, string> MaskedSettings
    {
        get
        {
            var settings = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["webhookUrl"] = MaskedWebhookUrl,
                ["timeout"] = IsoDuration.Format(Timeout),
            };
            if (Username is not null)
            {
                settings["username"] = Username;
            }

            if (IconEmoji is not null)
            {
                settings["iconEmoji"] = IconEmoji;
            }

            if (IconUrl is not null)
            {
                settings["iconUrl"] = IconUrl;
            }

            return settings;
        }
    }

    internal override IEnumerable<string> Secrets
    {
        get
        {
            // The whole URL in its spellings (as written, as Uri prints it), and the part after the host on its own:
            // HttpClient and proxies quote either.
            yield return WebhookUrl.OriginalString;
            yield return WebhookUrl.AbsoluteUri;
            yield return WebhookUrl.ToString();
            if (WebhookUrl.PathAndQuery.Length > 1)
            {
                yield return WebhookUrl.PathAndQuery;
                yield return WebhookUrl.PathAndQuery.TrimStart('/');
            }
        }
    }
}
