using System.Collections;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Model;

namespace Orchestrator.Core.Connections;

/// <summary>
/// The named connections of this process, shared by the CLI and the server. Sources, later ones winning:
/// the embedded defaults (<c>events</c>, <c>warehouse</c>, <c>lake</c> in the data directory), the configuration section
/// <c>Orchestrator:Connections:&lt;name&gt;</c> (a <c>type</c> or a <c>uri</c>, plus settings), and the environment
/// variables <c>ORCHESTRATOR_CONN_&lt;NAME&gt;</c> holding a connection URI.
/// </summary>
public sealed class ConnectionCatalog
{
    public const string SectionName = "Orchestrator:Connections";
    public const string EnvironmentPrefix = "ORCHESTRATOR_CONN_";

    private readonly Dictionary<string, Connection> _byName;
    private readonly string[] _secrets;

    public ConnectionCatalog(IEnumerable<Connection> connections)
    {
        _byName = new Dictionary<string, Connection>(StringComparer.Ordinal);
        foreach (var connection in connections)
        {
            _byName[connection.Name] = connection;
        }

        // Longest first, so a secret that contains another is masked whole.
        _secrets = _byName.Values
            .SelectMany(c => c.Settings.Where(s => SecretSettings.IsSecret(s.Key)).Select(s => s.Value))
            .Where(v => v.Length >= 4)
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(v => v.Length)
            .ToArray();
    }

    /// <summary>
    /// What a process has with nothing configured, all inside the data directory: the event log (<c>events</c>), a
    /// SQLite warehouse (<c>warehouse</c>), a folder as the lake (<c>lake</c>) and a local Elasticsearch address (<c>search</c>). The same workflows run on Kafka,
    /// PostgreSQL and S3 by configuring these names.
    /// </summary>
    public static IReadOnlyList<Connection> EmbeddedDefaults { get; } =
    [
        new("events", ConnectionTypes.Local, new Dictionary<string, string> { ["path"] = "events" }),
        new("warehouse", ConnectionTypes.Sqlite, new Dictionary<string, string> { ["path"] = "warehouse.db" }),
        new("lake", ConnectionTypes.File, new Dictionary<string, string> { ["path"] = "lake" }),

        // Like Airflow's elasticsearch_default: where a local Elasticsearch would listen. Nothing runs there by default.
        new("search", ConnectionTypes.Http, new Dictionary<string, string> { ["baseUrl"] = "http://127.0.0.1:9200" }),
    ];

    public IReadOnlyCollection<Connection> All => _byName.Values.OrderBy(c => c.Name, StringComparer.Ordinal).ToArray();

    public IReadOnlyCollection<string> Names => _byName.Keys;

    public Connection? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The connection <paramref name="name"/>, which must be of one of <paramref name="types"/>; else a failure for the task's log.</summary>
    public Connection Get(string name, params IReadOnlyList<string> types)
    {
        if (Find(name) is not { } connection)
        {
            throw new ActivityFailedException(
                $"connection '{name}' is not configured (known: {string.Join(", ", Names.Order(StringComparer.Ordinal))}); " +
                $"set {EnvironmentPrefix}{name.ToUpperInvariant()} or {SectionName}:{name}");
        }

        if (types.Count > 0 && !types.Contains(connection.Type))
        {
            throw new ActivityFailedException($"connection '{name}' is a {connection.Type} connection; this needs {string.Join(" or ", types)}");
        }

        return connection;
    }

    /// <summary>Replaces every secret setting value found in <paramref name="text"/> by <c>***</c>.</summary>
    public string Mask(string text)
    {
        foreach (var secret in _secrets)
        {
            text = text.Replace(secret, SecretSettings.Mask, StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>Loads the catalog; throws <see cref="FormatException"/> naming the bad entry.</summary>
    public static ConnectionCatalog Load(IConfiguration? configuration, IEnumerable<KeyValuePair<string, string>> environment)
    {
        var connections = EmbeddedDefaults.ToDictionary(c => c.Name, StringComparer.Ordinal);
        if (configuration is not null)
        {
            foreach (var section in configuration.GetSection(SectionName).GetChildren())
            {
                var connection = FromSection(section);
                connections[connection.Name] = connection;
            }
        }

        foreach (var (key, value) in environment)
        {
            if (key.StartsWith(EnvironmentPrefix, StringComparison.Ordinal) && key.Length > EnvironmentPrefix.Length && value.Length > 0)
            {
                var name = CheckName(key[EnvironmentPrefix.Length..].ToLowerInvariant(), key);
                connections[name] = ConnectionUri.Parse(name, value);
            }
        }

        return new ConnectionCatalog(connections.Values);
    }

    /// <summary>The process environment, for <see cref="Load"/>.</summary>
    public static IEnumerable<KeyValuePair<string, string>> ProcessEnvironment()
        => Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .Select(e => new KeyValuePair<string, string>((string)e.Key, e.Value as string ?? ""));

    private static Connection FromSection(IConfigurationSection section)
    {
        var name = CheckName(section.Key, section.Path);
        var settings = section.GetChildren()
            .Where(c => c.Value is not null)
            .ToDictionary(c => c.Key, c => c.Value!, StringComparer.Ordinal);
        var type = settings.Remove("type", out var declared) ? declared.ToLowerInvariant() : null;
        if (settings.Remove("uri", out var uri))
        {
            var parsed = ConnectionUri.Parse(name, uri);
            if (type is not null && type != parsed.Type)
            {
                throw new FormatException($"{section.Path}: type '{type}' does not match the uri's scheme ({parsed.Type})");
            }

            var merged = new Dictionary<string, string>(parsed.Settings, StringComparer.Ordinal);
            foreach (var (key, value) in settings)
            {
                merged[key] = value;
            }

            return parsed with { Settings = merged };
        }

        if (type is null)
        {
            throw new FormatException($"{section.Path}: set a type ({string.Join(", ", ConnectionTypes.All)}) or a uri");
        }

        if (!ConnectionTypes.All.Contains(type))
        {
            throw new FormatException($"{section.Path}: unknown type '{type}' (use {string.Join(", ", ConnectionTypes.All)})");
        }

        return new Connection(name, type, settings);
    }

    private static string CheckName(string name, string where)
        => Regex.IsMatch(name, Ids.Pattern)
            ? name
            : throw new FormatException($"{where}: '{name}' is not a connection name (lower-case letters, digits, '_', '-', '.')");
}
