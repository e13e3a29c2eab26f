using System.Globalization;
using System.Net.Mail;
using Orchestrator.Core.Json;

namespace Orchestrator.Activities.Alerts;

/// <summary>Turns the settings of one channel entry (from configuration or a URI) into a checked channel.</summary>
internal static class AlertChannelSettings
{
    public static readonly IReadOnlyList<string> Types = [EmailChannel.KindName, SlackChannel.KindName];

    private static readonly string[] EmailKeys = ["type", "host", "port", "tls", "user", "password", "from", "to", "timeout"];
    private static readonly string[] SlackKeys = ["type", "webhookUrl", "username", "iconEmoji", "iconUrl", "timeout"];

    /// <summary>Builds the channel; a <see cref="FormatException"/> that starts with <paramref name="where"/> otherwise (never quoting a secret).</summary>
    public static AlertChannel Build(string name, string where, IReadOnlyDictionary<string, string> raw)
    {
        var settings = new Dictionary<string, string>(raw, StringComparer.OrdinalIgnoreCase);
        if (!settings.TryGetValue("type", out var type))
        {
            throw new FormatException($"{where}: set a type ({string.Join(", ", Types)}) or a uri");
        }

        return type.ToLowerInvariant() switch
        {
            EmailChannel.KindName => Email(name, where, settings),
            SlackChannel.KindName => Slack(name, where, settings),
            _ => throw new FormatException($"{where}: unknown type '{type}' (use {string.Join(" or ", Types)})"),
        };
    }

    private static EmailChannel Email(string name, string where, Dictionary<string, string> settings)
    {
        RejectUnknown(where, settings, EmailKeys);
        var host = Required(where, settings, "host");
        var tls = settings.TryGetValue("tls", out var tlsText)
            ? tlsText.ToLowerInvariant() switch
            {
                "none" => SmtpTls.None,
                "starttls" => SmtpTls.StartTls,
                "ssl" => SmtpTls.Ssl,
                _ => throw new FormatException($"{where}: tls '{tlsText}' is not none, starttls or ssl"),
            }
            : (SmtpTls?)null;
        var port = 0;
        if (settings.TryGetValue("port", out var portText)
            && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            throw new FormatException($"{where}: port '{portText}' is not a port number (1-65535)");
        }

        // Secure unless told otherwise: TLS from the first byte on 465, STARTTLS (required) everywhere else.
        if (port == 0)
        {
            port = tls == SmtpTls.Ssl ? 465 : 587;
        }

        tls ??= port == 465 ? SmtpTls.Ssl : SmtpTls.StartTls;
        var from = Address(where, "from", Required(where, settings, "from"));
        var to = Required(where, settings, "to")
            .Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(a => Address(where, "to", a))
            .ToArray();
        if (to.Length == 0)
        {
            throw new FormatException($"{where}: to names no recipient");
        }

        return new EmailChannel(name, host, port, tls.Value, from, to)
        {
            User = settings.GetValueOrDefault("user") is { Length: > 0 } user ? user : null,
            Password = settings.GetValueOrDefault("password") is { Length: > 0 } password ? password : null,
            Timeout = Timeout(where, settings),
        };
    }

    private static SlackChannel Slack(string name, string where, Dictionary<string, string> settings)
    {
        RejectUnknown(where, settings, SlackKeys);
        var text = Required(where, settings, "webhookUrl");
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp)
            || url.Host.Length == 0)
        {
            // The URL is a secret: say what is wrong without repeating it.
            throw new FormatException($"{where}: webhookUrl is not an absolute http(s) URL");
        }

        var iconUrl = settings.GetValueOrDefault("iconUrl");
        if (iconUrl is not null && !Uri.TryCreate(iconUrl, UriKind.Absolute, out _))
        {
            throw new FormatException($"{where}: iconUrl '{iconUrl}' is not an absolute URL");
        }

        return new SlackChannel(name, url)
        {
            Username = settings.GetValueOrDefault("username"),
            IconEmoji = settings.GetValueOrDefault("iconEmoji"),
            IconUrl = iconUrl,
            Timeout = Timeout(where, settings),
        };
    }

    private static void RejectUnknown(string where, Dictionary<string, string> settings, string[] known)
    {
        foreach (var key in settings.Keys)
        {
            if (!known.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                throw new FormatException($"{where}: unknown setting '{key}' (use {string.Join(", ", known)})");
            }
        }
    }

    private static string Required(string where, Dictionary<string, string> settings, string key)
        => settings.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value)
            ? value.Trim()
            : throw new FormatException($"{where}: {key} is missing");

    private static string Address(string where, string key, string address)
        => MailAddress.TryCreate(address, out _) ? address : throw new FormatException($"{where}: {key} '{address}' is not an e-mail address");

    /// <summary>An ISO 8601 duration (<c>PT30S</c>) or a number of seconds; 30 s when absent.</summary>
    private static TimeSpan Timeout(string where, Dictionary<string, string> settings)
    {
        if (!settings.TryGetValue("timeout", out var text))
        {
            return TimeSpan.FromSeconds(30);
        }

        var timeout = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : IsoDuration.TryParse(text, out var duration)
                ? duration
                : throw new FormatException($"{where}: timeout '{text}' is not an ISO 8601 duration such as PT30S or a number of seconds");

        return timeout > TimeSpan.Zero ? timeout : throw new FormatException($"{where}: timeout '{text}' must be positive");
    }
}
