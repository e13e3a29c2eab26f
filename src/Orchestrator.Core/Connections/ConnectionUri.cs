namespace Orchestrator.Connections;

/// <summary>
/// Parses the URI form of a connection (<c>ORCHESTRATOR_CONN_&lt;NAME&gt;</c> or the <c>uri</c> setting):
/// <c>kafka://b1:9092,b2:9092?security.protocol=SASL_SSL</c>, <c>local:events</c>,
/// <c>postgresql://user:pass@host:5432/db?sslmode=require</c>, <c>sqlite:warehouse.db</c>,
/// <c>s3://key:secret@host:9000/bucket?region=us-east-1</c> (or <c>s3://key:secret@bucket?endpoint=http://host:9000</c>), <c>file:lake</c>, <c>https://user:pass@host/base</c>.
/// </summary>
public static class ConnectionUri
{
    public static Connection Parse(string name, string uri)
    {
        var colon = uri.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw new FormatException($"connection '{name}': '{Redact(uri)}' is not a connection URI (scheme:... such as kafka://host:9092 or postgresql://host/db)");
        }

        var scheme = uri[..colon].ToLowerInvariant();
        var rest = uri[(colon + 1)..];
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (scheme)
        {
            case "kafka":
                var kafka = Split(name, uri, rest);
                settings["bootstrap.servers"] = kafka.Hosts;
                AddQuery(settings, kafka.Query);
                return new Connection(name, ConnectionTypes.Kafka, settings);
            case "postgresql" or "postgres":
                var pg = Split(name, uri, rest);
                var (host, port) = HostAndPort(pg.Hosts, "5432");
                settings["host"] = host;
                settings["port"] = port;
                AddUser(settings, pg.UserInfo, "username", "password");
                if (pg.Path is { Length: > 0 } database)
                {
                    settings["database"] = database;
                }

                AddQuery(settings, pg.Query);
                return new Connection(name, ConnectionTypes.PostgreSql, settings);
            case "s3":
                // Two spellings: s3://key:secret@host:9000/bucket, or s3://key:secret@bucket/prefix?endpoint=http://host:9000.
                var s3 = Split(name, uri, rest);
                AddQuery(settings, s3.Query);
                AddUser(settings, s3.UserInfo, "accessKey", "secretKey");
                if (settings.ContainsKey("endpoint"))
                {
                    settings["bucket"] = s3.Hosts;
                    if (s3.Path is { Length: > 0 } prefix)
                    {
                        settings["prefix"] = prefix;
                    }
                }
                else
                {
                    var secure = settings.Remove("ssl", out var ssl) && bool.TryParse(ssl, out var useSsl) && useSsl;
                    settings["endpoint"] = $"{(secure ? "https" : "http")}://{s3.Hosts}";
                    if (s3.Path is { Length: > 0 } bucket)
                    {
                        settings["bucket"] = bucket;
                    }
                }

                return new Connection(name, ConnectionTypes.S3, settings);
            case "http" or "https":
                var http = Split(name, uri, rest);
                AddUser(settings, http.UserInfo, "username", "password");
                settings["baseUrl"] = $"{scheme}://{http.Hosts}/{http.Path}".TrimEnd('/');
                AddQuery(settings, http.Query);
                return new Connection(name, ConnectionTypes.Http, settings);
            case "sqlite" or "file" or "local":
                var (path, query) = PathAndQuery(rest);
                if (path.Length > 0)
                {
                    settings["path"] = path;
                }

                AddQuery(settings, query);
                var type = scheme switch { "sqlite" => ConnectionTypes.Sqlite, "file" => ConnectionTypes.File, _ => ConnectionTypes.Local };
                return new Connection(name, type, settings);
            default:
                throw new FormatException($"connection '{name}': unknown scheme '{scheme}' (use kafka, local, postgresql, sqlite, s3, file, http or https)");
        }
    }

    /// <summary>The URI with the password of its user info hidden, for error messages.</summary>
    public static string Redact(string uri)
    {
        var at = uri.IndexOf('@', StringComparison.Ordinal);
        var start = uri.IndexOf("://", StringComparison.Ordinal);
        if (at < 0 || start < 0 || at < start)
        {
            return uri;
        }

        var colon = uri.IndexOf(':', start + 3);
        return colon > 0 && colon < at ? $"{uri[..(colon + 1)]}{SecretSettings.Mask}{uri[at..]}" : uri;
    }

    private sealed record Parts(string? UserInfo, string Hosts, string Path, string Query);

    private static Parts Split(string name, string uri, string rest)
    {
        if (!rest.StartsWith("//", StringComparison.Ordinal))
        {
            throw new FormatException($"connection '{name}': '{Redact(uri)}' needs // after the scheme");
        }

        var (body, query) = PathAndQuery(rest[2..]);
        var slash = body.IndexOf('/', StringComparison.Ordinal);
        var authority = slash < 0 ? body : body[..slash];
        var path = slash < 0 ? "" : body[(slash + 1)..].Trim('/');
        var at = authority.LastIndexOf('@');
        var userInfo = at < 0 ? null : authority[..at];
        var hosts = at < 0 ? authority : authority[(at + 1)..];
        if (hosts.Length == 0)
        {
            throw new FormatException($"connection '{name}': '{Redact(uri)}' names no host");
        }

        return new Parts(userInfo, hosts, Uri.UnescapeDataString(path), query);
    }

    private static (string Path, string Query) PathAndQuery(string text)
    {
        var question = text.IndexOf('?', StringComparison.Ordinal);
        return question < 0 ? (text, "") : (text[..question], text[(question + 1)..]);
    }

    private static (string Host, string Port) HostAndPort(string hosts, string defaultPort)
    {
        var colon = hosts.LastIndexOf(':');
        return colon > 0 && !hosts.EndsWith(']') ? (hosts[..colon], hosts[(colon + 1)..]) : (hosts, defaultPort);
    }

    private static void AddUser(Dictionary<string, string> settings, string? userInfo, string userKey, string passwordKey)
    {
        if (userInfo is null)
        {
            return;
        }

        var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
        settings[userKey] = Uri.UnescapeDataString(colon < 0 ? userInfo : userInfo[..colon]);
        if (colon >= 0)
        {
            settings[passwordKey] = Uri.UnescapeDataString(userInfo[(colon + 1)..]);
        }
    }

    private static void AddQuery(Dictionary<string, string> settings, string query)
    {
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            settings[key] = equals < 0 ? "true" : Uri.UnescapeDataString(pair[(equals + 1)..]);
        }
    }
}
