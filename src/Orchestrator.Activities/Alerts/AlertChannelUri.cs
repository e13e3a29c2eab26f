namespace Orchestrator.Alerts;

/// <summary>
/// Parses the URI form of a channel (<c>ORCHESTRATOR_CHANNEL_&lt;NAME&gt;</c> or the <c>uri</c> setting) into settings:
/// <c>smtp://user:pass@host:587?tls=starttls&amp;from=a@x.org&amp;to=b@x.org,c@x.org</c> (<c>smtps://</c> = TLS from the
/// first byte, port 465 by default) is an e-mail channel; an <c>https://</c> (or, for local receivers, <c>http://</c>) URL
/// is a Slack incoming webhook, taken whole.
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
                Smtp(where, scheme, uri, uri[(colon + 1)..], settings);
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

    private static void Smtp(string where, string scheme, string uri, string rest, Dictionary<string, string> settings)
    {
        if (!rest.StartsWith("//", StringComparison.Ordinal))
        {
            throw new FormatException($"{where}: '{Orchestrator.Connections.ConnectionUri.Redact(uri)}' needs // after the scheme");
        }

        var body = rest[2..];
        var question = body.IndexOf('?', StringComparison.Ordinal);
        var query = question < 0 ? "" : body[(question + 1)..];
        var authority = (question < 0 ? body : body[..question]).TrimEnd('/');
        var at = authority.LastIndexOf('@');
        var userInfo = at < 0 ? null : authority[..at];
        var hostPort = at < 0 ? authority : authority[(at + 1)..];

        settings["type"] = EmailChannel.KindName;
        if (scheme == "smtps")
        {
            settings["tls"] = "ssl";
        }

        var portColon = hostPort.LastIndexOf(':');
        var host = hostPort;
        if (portColon >= 0 && !hostPort.EndsWith(']'))
        {
            host = hostPort[..portColon];
            settings["port"] = hostPort[(portColon + 1)..];
        }

        if (host.Length > 0)
        {
            settings["host"] = host.Trim('[', ']');
        }

        if (userInfo is not null)
        {
            var userColon = userInfo.IndexOf(':', StringComparison.Ordinal);
            settings["user"] = Uri.UnescapeDataString(userColon < 0 ? userInfo : userInfo[..userColon]);
            if (userColon >= 0)
            {
                settings["password"] = Uri.UnescapeDataString(userInfo[(userColon + 1)..]);
            }
        }

        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            settings[key] = equals < 0 ? "true" : Uri.UnescapeDataString(pair[(equals + 1)..]);
        }
    }
}
