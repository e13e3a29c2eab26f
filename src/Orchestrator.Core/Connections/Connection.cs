namespace Orchestrator.Core.Connections;

/// <summary>
/// A named external system (Kafka, PostgreSQL, S3...) configured on the server or in the CLI's environment, never in
/// workflow JSON. Settings keep the names of the system's own client (librdkafka properties for Kafka, for example).
/// </summary>
public sealed record Connection(string Name, string Type, IReadOnlyDictionary<string, string> Settings)
{
    public string? Get(string key) => Settings.TryGetValue(key, out var value) ? value : null;

    public string Require(string key)
        => Get(key) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"connection '{Name}' ({Type}) has no '{key}' setting");

    /// <summary>The settings with secrets replaced by <c>***</c>: what logs, the API and error messages show.</summary>
    public IReadOnlyDictionary<string, string> MaskedSettings
        => Settings.ToDictionary(s => s.Key, s => SecretSettings.IsSecret(s.Key) ? SecretSettings.Mask : s.Value, StringComparer.Ordinal);

    /// <summary>One line for messages: <c>events (kafka: bootstrap.servers=b1:9092, sasl.password=***)</c>.</summary>
    public override string ToString()
        => $"{Name} ({Type}: {string.Join(", ", MaskedSettings.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={s.Value}"))})";
}

/// <summary>The connection types activities and triggers know.</summary>
public static class ConnectionTypes
{
    public const string Kafka = "kafka";

    /// <summary>The embedded event log: one JSONL file per topic in the data directory, with Kafka's semantics.</summary>
    public const string Local = "local";

    public const string PostgreSql = "postgresql";
    public const string Sqlite = "sqlite";
    public const string S3 = "s3";
    public const string File = "file";
    public const string Http = "http";

    public static IReadOnlyList<string> All { get; } = [Kafka, Local, PostgreSql, Sqlite, S3, File, Http];
}

/// <summary>Which setting names hold secrets.</summary>
public static class SecretSettings
{
    public const string Mask = "***";

    private static readonly string[] Markers = ["password", "secret", "token", "apikey", "api_key", "api-key", "credential", "private"];

    public static bool IsSecret(string key) => Markers.Any(m => key.Contains(m, StringComparison.OrdinalIgnoreCase));
}
