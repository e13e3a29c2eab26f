using System.Text;
using System.Text.RegularExpressions;

namespace Orchestrator.Core.Connections;

/// <summary>
/// The parts of a connection or channel URI: <c>scheme://[user[:password]@]hosts[/path][?query]</c>, or the opaque
/// <c>scheme:path[?query]</c> (<c>sqlite:warehouse.db</c>). The one parser behind reading a URI and showing it
/// redacted, so both agree on where the password is. The user information ends at the last <c>@</c> before the
/// host (a password may hold <c>@</c>, <c>:</c> and <c>#</c> as they are); <c>/</c>, <c>?</c> and <c>%</c> in a
/// user name or password must be percent-encoded (<c>%2F</c>, <c>%3F</c>, <c>%25</c>). An <c>@</c> after the host
/// (in the path or a query key) or a port that is not a number is what an unencoded one leaves behind: an error,
/// never a password read as a host, path or query.
/// </summary>
public sealed partial record ConnectionUriParts(
    string Scheme,
    bool Hierarchical,
    string? RawUser,
    string? RawPassword,
    string Hosts,
    string RawPath,
    IReadOnlyList<(string RawKey, string? RawValue)> RawQuery)
{
    /// <summary>The user name, decoded; null when the URI has no user information.</summary>
    public string? User => RawUser is null ? null : Uri.UnescapeDataString(RawUser);

    /// <summary>The password, decoded; null when the user information has no <c>:</c>.</summary>
    public string? Password => RawPassword is null ? null : Uri.UnescapeDataString(RawPassword);

    /// <summary>The path: after <c>//</c> without its leading and trailing slashes, decoded; else as written.</summary>
    public string Path => Hierarchical ? Uri.UnescapeDataString(RawPath.Trim('/')) : RawPath;

    /// <summary>The query's pairs, decoded; a key without <c>=</c> has the value <c>true</c>.</summary>
    public IEnumerable<KeyValuePair<string, string>> Query
        => RawQuery.Select(p => KeyValuePair.Create(Uri.UnescapeDataString(p.RawKey), p.RawValue is null ? "true" : Uri.UnescapeDataString(p.RawValue)));

    /// <summary>The host and the port of a single-host authority (<c>[::1]:5432</c> too); the port is null when absent.</summary>
    public (string Host, string? Port) HostAndPort()
    {
        var colon = Hosts.LastIndexOf(':');
        return colon >= 0 && !Hosts.EndsWith(']') ? (Hosts[..colon], Hosts[(colon + 1)..]) : (Hosts, null);
    }

    /// <summary>
    /// Splits <paramref name="uri"/>; throws <see cref="FormatException"/> whose message never contains the URI (the
    /// caller names it, redacted): it is meant to follow the URI, as in <c>'…' needs // after the scheme</c>.
    /// </summary>
    public static ConnectionUriParts Parse(string uri)
    {
        var colon = uri.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !SchemeName().IsMatch(uri[..colon]))
        {
            throw new FormatException("is not a connection URI (scheme:... such as kafka://host:9092 or postgresql://host/db)");
        }

        var scheme = uri[..colon].ToLowerInvariant();
        var rest = uri[(colon + 1)..];
        if (!rest.StartsWith("//", StringComparison.Ordinal))
        {
            var (opaque, opaqueQuery) = CutQuery(rest);
            return new ConnectionUriParts(scheme, false, null, null, "", opaque, SplitQuery(opaqueQuery));
        }

        var (body, query) = CutQuery(rest[2..]);
        var slash = body.IndexOf('/', StringComparison.Ordinal);
        var authority = slash < 0 ? body : body[..slash];
        var path = slash < 0 ? "" : body[slash..];
        var at = authority.LastIndexOf('@');
        var userInfo = at < 0 ? null : authority[..at];
        var hosts = at < 0 ? authority : authority[(at + 1)..];
        var pairs = SplitQuery(query);
        if (path.Contains('@', StringComparison.Ordinal) || pairs.Any(p => p.RawKey.Contains('@', StringComparison.Ordinal)))
        {
            throw new FormatException("has an '@' after its host: percent-encode '/', '?' and '%' in a user name or password (%2F, %3F, %25), and '@' in a path (%40)");
        }

        if (!hosts.Split(',').All(PortIsNumber))
        {
            throw new FormatException("has a port that is not a number: percent-encode '/', '?' and '%' in a user name or password (%2F, %3F, %25)");
        }

        var userColon = userInfo?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        return new ConnectionUriParts(
            scheme,
            true,
            userColon < 0 ? userInfo : userInfo![..userColon],
            userColon < 0 ? null : userInfo![(userColon + 1)..],
            hosts,
            path,
            pairs);
    }

    /// <summary>
    /// <paramref name="uri"/> for messages: the password and secret query values (<see cref="SecretSettings"/>) as
    /// <c>***</c>. What does not parse shows only what follows its last <c>@</c>, which no password can reach.
    /// </summary>
    public static string Redact(string uri)
    {
        ConnectionUriParts parts;
        try
        {
            parts = Parse(uri);
        }
        catch (FormatException)
        {
            var colon = uri.IndexOf(':', StringComparison.Ordinal);
            var scheme = colon > 0 && SchemeName().IsMatch(uri[..colon]) ? uri[..(colon + 1)] : "";
            var at = uri.LastIndexOf('@');
            return at < 0 ? $"{scheme}{SecretSettings.Mask}" : $"{(scheme.Length > 0 ? scheme + "//" : "")}{SecretSettings.Mask}{uri[at..]}";
        }

        return parts.Redacted();
    }

    /// <summary>The URI written back from its parts, with the password and secret query values as <c>***</c>.</summary>
    public string Redacted()
    {
        var text = new StringBuilder(Scheme).Append(':');
        if (Hierarchical)
        {
            text.Append("//");
            if (RawUser is not null)
            {
                text.Append(RawUser).Append(RawPassword is null ? "" : $":{SecretSettings.Mask}").Append('@');
            }

            text.Append(Hosts);
        }

        text.Append(RawPath);
        for (var i = 0; i < RawQuery.Count; i++)
        {
            var (key, value) = RawQuery[i];
            text.Append(i == 0 ? '?' : '&').Append(key);
            if (value is not null)
            {
                text.Append('=').Append(SecretSettings.IsSecret(Uri.UnescapeDataString(key)) ? SecretSettings.Mask : value);
            }
        }

        return text.ToString();
    }

    private static (string Before, string Query) CutQuery(string text)
    {
        var question = text.IndexOf('?', StringComparison.Ordinal);
        return question < 0 ? (text, "") : (text[..question], text[(question + 1)..]);
    }

    private static List<(string RawKey, string? RawValue)> SplitQuery(string query)
        => [.. query.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(pair =>
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            return equals < 0 ? (pair, (string?)null) : (pair[..equals], pair[(equals + 1)..]);
        })];

    private static bool PortIsNumber(string host)
    {
        var colon = host.LastIndexOf(':');
        return colon < 0 || host.EndsWith(']') || (colon < host.Length - 1 && host[(colon + 1)..].All(char.IsAsciiDigit));
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9+.-]*$")]
    private static partial Regex SchemeName();
}
