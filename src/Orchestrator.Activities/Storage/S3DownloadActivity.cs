using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Logging;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Connections;

namespace Orchestrator.Activities.Storage;

[Activity("s3.download", Category = "Storage",
    Description = "Downloads one object (key) or every object under a prefix from an S3 bucket or a file connection's folder into the data directory. " +
                  "A missing key, or a prefix with no object, fails the attempt. Returns the keys read, their bytes and count.")]
public sealed partial class S3DownloadActivity(ConnectionCatalog connections) : Activity<S3DownloadActivity.Input, S3DownloadActivity.Output>
{
    public sealed record Input
    {
        [Description("The object store: an s3 connection, or a file connection (a folder in the data directory). Default lake.")]
        [ConnectionInput(ConnectionTypes.S3, ConnectionTypes.File)]
        public string? Connection { get; init; }

        [Description("One object's key, below the connection's prefix. Give key or prefix.")]
        public string? Key { get; init; }

        [Description("Download every object whose key starts with this; the rest of each key becomes its path under path.")]
        public string? Prefix { get; init; }

        [Description("Where to write, relative to the data directory: the file for a key (or a folder to put it in, ending in '/'), the folder for a prefix.")]
        [MinLength(1)]
        public required string Path { get; init; }
    }

    public sealed record Output
    {
        [Description("The keys read, below the connection's prefix, in order.")]
        public required IReadOnlyList<string> Keys { get; init; }

        [Description("Bytes downloaded.")]
        public required long Bytes { get; init; }

        [Description("Objects downloaded.")]
        public required int Count { get; init; }

        [Description("The file (for a key) or folder (for a prefix) written, relative to the data directory.")]
        public required string Path { get; init; }
    }

    protected override async Task<Output> ExecuteAsync(Input input, ActivityContext context)
    {
        if ((input.Key is null) == (input.Prefix is null))
        {
            throw new ActivityInputException("give key or prefix");
        }

        var token = context.CancellationToken;
        using var store = ObjectStores.Open(connections, input.Connection, context.Data);
        IReadOnlyList<(string Key, string File)> plan;
        if (input.Key is { } rawKey)
        {
            var key = ObjectKeys.Normalize(rawKey);
            var target = input.Path.EndsWith('/') || Directory.Exists(context.Data.Resolve(input.Path))
                ? System.IO.Path.Combine(context.Data.Resolve(input.Path), key[(key.LastIndexOf('/') + 1)..])
                : context.Data.Resolve(input.Path);
            plan = [(key, target)];
        }
        else
        {
            var prefix = ObjectKeys.Normalize(input.Prefix!, allowEmpty: true);
            var folder = context.Data.Resolve(input.Path);
            var objects = await store.ListAsync(prefix, token).ConfigureAwait(false);
            if (objects.Count == 0)
            {
                throw new ActivityFailedException($"no object has a key starting with '{prefix}' in the {store.Describe}");
            }

            plan = objects
                .Where(o => !o.Key.EndsWith('/'))
                .Select(o => (o.Key, context.Data.Resolve(System.IO.Path.Combine(folder, o.Key[prefix.Length..].TrimStart('/')))))
                .ToArray();
        }

        Downloading(context.Logger, plan.Count, store.Describe);
        long bytes = 0;
        foreach (var (key, file) in plan)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
            var size = await store.GetAsync(key, file, token).ConfigureAwait(false);
            bytes += size;
            Downloaded(context.Logger, key, size);
        }

        var written = input.Key is null ? context.Data.Resolve(input.Path) : plan[0].File;
        return new Output
        {
            Keys = plan.Select(p => p.Key).ToArray(),
            Bytes = bytes,
            Count = plan.Count,
            Path = System.IO.Path.GetRelativePath(context.Data.Root, written).Replace('\\', '/'),
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Downloading {Count} objects from the {Store}")]
    private static partial void Downloading(ILogger logger, int count, string store);

    [LoggerMessage(Level = LogLevel.Information, Message = "Downloaded {Key} ({Bytes} bytes)")]
    private static partial void Downloaded(ILogger logger, string key, long bytes);
}
