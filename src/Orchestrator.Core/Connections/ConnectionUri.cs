namespace Orchestrator.Core.Connections;

/// <summary>
/// Parses the URI form of a connection (<c>ORCHESTRATOR_CONN_&lt;NAME&gt;</c> or the <c>uri</c> setting):
/// <c>kafka://b1:9092,b2:9092?security.protocol=SASL_SSL</c>, <c>local:events</c>,
/// <c>postgresql://user:pass@host:5432/db?sslmode=require</c>, <c>sqlite:warehouse.db</c>,
/// <c>s3://key:secret@host:9000/bucket?region=us-east-1</c> (or <c>s3://key:secret@bucket?endpoint=http://host:9000</c>), <c>file:lake</c>, <c>https://user:pass@host/base</c>.
/// The URI is split by <see cref="ConnectionUriParts"/>, the same parser that redacts it.
/// </summary>
public static class ConnectionUri
{
    public static Connection Parse(string name, string uri)
    {
        ConnectionUriParts parts;
        try
        {
            parts = ConnectionUriParts.Parse(uri);
        }
        catch (FormatException e)
        {
            throw new FormatException($"connection '{name}': '{Redact(uri)}' {e.Message}", e);
        }

        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (parts.Scheme)
        {
            case "kafka":
                settings["bootstrap.servers"] = Hosts(name, uri, parts);
                AddQuery(settings, parts);
                return new Connection(name, ConnectionTypes.Kafka, settings);
            case "postgresql" or "postgres":
                _ = Hosts(name, uri, parts);
                var (host, port) = parts.HostAndPort();
                settings["host"] = host;
                settings["port"] = port ?? "5432";
                AddUser(settings, parts, "username", "password");
                if (parts.Path is { Length: > 0 } database)
                {
                    settings["database"] = database;
                }

                AddQuery(settings, parts);
                return new Connection(name, ConnectionTypes.PostgreSql, settings);
            case "s3":
                // Two spellings: s3://key:secret@host:9000/bucket, or s3://key:secret@bucket/prefix?endpoint=http://host:9000.
                var hosts = Hosts(name, uri, parts);
                AddQuery(settings, parts);
                AddUser(settings, parts, "accessKey", "secretKey");
                if (settings.ContainsKey("endpoint"))
                {
                    settings["bucket"] = hosts;
                    if (parts.Path is { Length: > 0 } prefix)
                    {
                        settings["prefix"] = prefix;
                    }
                }
                else
                {
                    var secure = settings.Remove("ssl", out var ssl) && bool.TryParse(ssl, out var useSsl) && useSsl;
                    settings["endpoint"] = $"{(secure ? "https" : "http")}://{hosts}";
                    if (parts.Path is { Length: > 0 } bucket)
                    {
                        settings["bucket"] = bucket;
                    }
                }

                return new Connection(name, ConnectionTypes.S3, settings);
            case "http" or "https":
                var baseHost = Hosts(name, uri, parts);
                AddUser(settings, parts, "username", "password");
                settings["baseUrl"] = $"{parts.Scheme}://{baseHost}/{parts.Path}".TrimEnd('/');
                AddQuery(settings, parts);
                return new Connection(name, ConnectionTypes.Http, settings);
            case "sqlite" or "file" or "local":
                if (parts.Path.Length > 0)
                {
                    settings["path"] = parts.Path;
                }

                AddQuery(settings, parts);
                var type = parts.Scheme switch { "sqlite" => ConnectionTypes.Sqlite, "file" => ConnectionTypes.File, _ => ConnectionTypes.Local };
                return new Connection(name, type, settings);
            default:
                throw new FormatException($"connection '{name}': unknown scheme '{parts.Scheme}' (use kafka, local, postgresql, sqlite, s3, file, http or https)");
        }
    }

    /// <summary>The URI with its password and secret query values hidden, for messages (<see cref="ConnectionUriParts.Redact"/>).</summary>
    public static string Redact(string uri) => ConnectionUriParts.Redact(uri);

    /// <summary>The hosts of a URI that needs them: <c>scheme://…host…</c>.</summary>
    private static string Hosts(string name, string uri, ConnectionUriParts parts)
    {
        if (!parts.Hierarchical)
        {
            throw new FormatException($"connection '{name}': '{Redact(uri)}' needs // after the scheme");
        }

        return parts.Hosts.Length > 0 ? parts.Hosts : throw new FormatException($"connection '{name}': '{Redact(uri)}' names no host");
    }

    private static void AddUser(Dictionary<string, string> settings, ConnectionUriParts parts, string userKey, string passwordKey)
    {
        if (parts.User is { } user)
        {
            settings[userKey] = user;
        }

        if (parts.Password is { } password)
        {
            settings[passwordKey] = password;
        }
    }

    private static void AddQuery(Dictionary<string, string> settings, ConnectionUriParts parts)
    {
        foreach (var (key, value) in parts.Query)
        {
            settings[key] = value;
        }
    }
}
