using Orchestrator.Core.Activities;
namespace Orchestrator.Activities.Storage;

/// <summary>A folder in the data directory as an object store (the embedded <c>lake</c>): keys are relative paths under it.</summary>
public sealed class FolderObjectStore(string root, string name) : IObjectStore
{
    private const string PartSuffix = ".part";

    private readonly string _root = Path.GetFullPath(root);

    public string Describe => $"folder of connection '{name}'";

    public async Task PutAsync(string key, string file, string contentType, CancellationToken cancellationToken)
    {
        var target = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        await CopyAsync(file, target, cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> GetAsync(string key, string file, CancellationToken cancellationToken)
    {
        var source = PathOf(key);
        if (!File.Exists(source))
        {
            throw new ActivityFailedException($"object '{key}' does not exist in the {Describe}");
        }

        await CopyAsync(source, file, cancellationToken).ConfigureAwait(false);
        return new FileInfo(file).Length;
    }

    public Task<IReadOnlyList<StoredObject>> ListAsync(string prefix, CancellationToken cancellationToken)
    {
        IReadOnlyList<StoredObject> objects = Directory.Exists(_root)
            ? Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories)
                .Where(f => !f.EndsWith(PartSuffix, StringComparison.Ordinal))
                .Select(f => new StoredObject(Path.GetRelativePath(_root, f).Replace('\\', '/'), new FileInfo(f).Length))
                .Where(o => o.Key.StartsWith(prefix, StringComparison.Ordinal))
                .OrderBy(o => o.Key, StringComparer.Ordinal)
                .ToArray()
            : [];
        return Task.FromResult(objects);
    }

    public void Dispose()
    {
    }

    private string PathOf(string key)
    {
        var full = Path.GetFullPath(Path.Combine(_root, key));
        return full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? full
            : throw new ActivityInputException($"key '{key}' points outside the {Describe}");
    }

    /// <summary>Copies through a temporary file so a reader never sees half an object.</summary>
    private static async Task CopyAsync(string source, string target, CancellationToken cancellationToken)
    {
        var part = target + PartSuffix;
        try
        {
            var input = File.OpenRead(source);
            await using (input.ConfigureAwait(false))
            {
                var output = File.Create(part);
                await using (output.ConfigureAwait(false))
                {
                    await input.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            File.Delete(part);
            throw;
        }

        File.Move(part, target, overwrite: true);
    }
}
