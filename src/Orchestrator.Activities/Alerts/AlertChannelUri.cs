using Orchestrator.Core.Connections;

namespace Orchestrator.Activities.Alerts;

/// <summary>
/// Parses the URI form of a channel (<c>ORCHESTRATOR_CHANNEL_&lt;NAME&gt;</c> or the <c>uri</c> setting) into settings:
/// <c>smtp://user:pass@host:587?tls=starttls&amp;from=a@x.org&amp;to=b@x.org,c@x.org</c> (<c>smtps://</c> = TLS from the
/// first byte, port 465 by default) is an e-mail channel; an <c>https://</c> (or, for local receivers, <c>http://</c>) URL
/// is a Slack incoming webhook, taken whole. An e-mail URI is split by <see cref="ConnectionUriParts"/>, the parser
/// that also redacts it.
/// </summary>
public static class AlertChannelUri
{
    public static Dictionary<string, string> Parse(string where, string uri)
    {
        var colon = uri.IndexOf(':', StringComparison.Ordinal);
        var scheme = colon > 0 ? uri[..colon].ToLowerInvariant() : "";
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        switch (scheme)
        {
            case "smtp" or "smtps":
                Smtp(where, scheme, uri, settings);
                return settings;
            case "http" or "https":
                settings["type"] = SlackChannel.KindName;
                settings["webhookUrl"] = uri;
                return settings;
            default:
                // Never echo the value: it may be a webhook URL or hold a password.
                throw new FormatException($"{where}: not a channel URI (smtp://, smtps:// for e-mail, https:// for a Slack webhook)");
        }
    }

    private static void Smtp(string where, string scheme, string uri, Dictionary<string, string> settings)
    {
        ConnectionUriParts parts;
        try
        {
            parts = ConnectionUriParts.Parse(uri);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{where}: '{ConnectionUriParts.Redact(uri)}' {e.Message}", e);
        }

        if (!parts.Hierarchical)
        {
            throw new FormatException($"{where}: '{ConnectionUriParts.Redact(uri)}' needs // after the scheme");
        }

        settings["type"] = EmailChannel.KindName;
        if (scheme == "smtps")
        {
            settings["tls"] = "ssl";
        }

        var (host, port) = parts.HostAndPort();
        if (port is not null)
        {
            settings["port"] = port;
        }

        if (host.Length > 0)
        {
            settings["host"] = host.Trim('[', ']');
        }

        if (parts.User is { } user)
        {
            settings["user"] = user;
        }

        if (parts.Password is { } password)
        {
            settings["password"] = password;
        }

        foreach (var (key, value) in parts.Query)
        {
            settings[key] = value;
        }
    }
}
