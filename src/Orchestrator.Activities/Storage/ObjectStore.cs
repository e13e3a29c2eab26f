using Orchestrator.Core.Activities;
namespace Orchestrator.Activities.Storage;

/// <summary>An object in a store: its key (relative to the connection's prefix) and size.</summary>
public sealed record StoredObject(string Key, long Size);

/// <summary>
/// Where s3.* activities put and get objects: an S3 bucket (with the connection's prefix) or a folder in the data
/// directory, where keys are relative paths. Keys given here never include the connection's prefix.
/// </summary>
public interface IObjectStore : IDisposable
{
    /// <summary>What messages say about the store (no credentials).</summary>
    string Describe { get; }

    Task PutAsync(string key, string file, string contentType, CancellationToken cancellationToken);

    /// <summary>Writes the object to <paramref name="file"/>; fails clearly when the key does not exist.</summary>
    Task<long> GetAsync(string key, string file, CancellationToken cancellationToken);

    Task<IReadOnlyList<StoredObject>> ListAsync(string prefix, CancellationToken cancellationToken);
}

/// <summary>Key and path rules shared by both stores and activities.</summary>
public static class ObjectKeys
{
    /// <summary>A key without leading slashes, with forward slashes, rejecting empty and '..' segments.</summary>
    public static string Normalize(string key, bool allowEmpty = false)
    {
        var normalized = key.Replace('\\', '/').TrimStart('/');
        if (normalized.Length == 0 && !allowEmpty)
        {
            throw new ActivityInputException("the key is empty");
        }

        if (normalized.Split('/').Any(s => s == ".."))
        {
            throw new ActivityInputException($"key '{key}' has a '..' segment");
        }

        return normalized;
    }

    /// <summary>Joins a prefix and a relative part with one slash.</summary>
    public static string Join(string prefix, string relative)
        => prefix.Length == 0 ? relative : prefix.TrimEnd('/') + "/" + relative.TrimStart('/');

    /// <summary>A content type from the file extension, for objects uploaded without one.</summary>
    public static string ContentTypeOf(string file) => Path.GetExtension(file).ToLowerInvariant() switch
    {
        ".json" => "application/json",
        ".jsonl" or ".ndjson" => "application/x-ndjson",
        ".csv" => "text/csv",
        ".txt" or ".log" => "text/plain",
        ".parquet" => "application/vnd.apache.parquet",
        ".gz" => "application/gzip",
        ".html" => "text/html",
        _ => "application/octet-stream",
    };
}
