using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Logging;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Connections;

namespace Orchestrator.Activities.Storage;

[Activity("s3.upload", Category = "Storage",
    Description = "Uploads a file, or every file under a folder, from the data directory to an S3 bucket (AWS, MinIO) or to a file connection's folder. " +
                  "Returns the keys written, their bytes and count.")]
public sealed partial class S3UploadActivity(ConnectionCatalog connections) : Activity<S3UploadActivity.Input, S3UploadActivity.Output>
{
    public sealed record Input
    {
        [Description("The object store: an s3 connection, or a file connection (a folder in the data directory). Default lake.")]
        [ConnectionInput(ConnectionTypes.S3, ConnectionTypes.File)]
        public string? Connection { get; init; }

        [Description("A file or a folder, relative to the data directory; a folder uploads every file under it.")]
        [MinLength(1)]
        public required string Path { get; init; }

        [Description("The object key (events/dt=2026-11-23/part.parquet), below the connection's prefix. For a folder, or a key ending in '/', the prefix the relative paths are appended to.")]
        [MinLength(1)]
        public required string Key { get; init; }

        [Description("The Content-Type of the objects. Default: from the file extension.")]
        public string? ContentType { get; init; }
    }

    public sealed record Output
    {
        [Description("The keys written, below the connection's prefix, in order.")]
        public required IReadOnlyList<string> Keys { get; init; }

        [Description("Bytes uploaded.")]
        public required long Bytes { get; init; }

        [Description("Objects uploaded.")]
        public required int Count { get; init; }
    }

    protected override async Task<Output> ExecuteAsync(Input input, ActivityContext context)
    {
        var source = context.Data.Resolve(input.Path);
        var key = ObjectKeys.Normalize(input.Key);
        IReadOnlyList<(string File, string Key)> files;
        if (Directory.Exists(source))
        {
            files = Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories)
                .Select(f => (f, ObjectKeys.Join(key, Path.GetRelativePath(source, f).Replace('\\', '/'))))
                .OrderBy(f => f.Item2, StringComparer.Ordinal)
                .ToArray();
        }
        else if (File.Exists(source))
        {
            files = [(source, key.EndsWith('/') ? key + Path.GetFileName(source) : key)];
        }
        else
        {
            throw new ActivityFailedException($"path '{input.Path}' does not exist");
        }

        using var store = ObjectStores.Open(connections, input.Connection, context.Data);
        Uploading(context.Logger, files.Count, store.Describe);
        long bytes = 0;
        foreach (var (file, objectKey) in files)
        {
            await store.PutAsync(objectKey, file, input.ContentType ?? ObjectKeys.ContentTypeOf(file), context.CancellationToken).ConfigureAwait(false);
            var size = new FileInfo(file).Length;
            bytes += size;
            Uploaded(context.Logger, objectKey, size);
        }

        return new Output { Keys = files.Select(f => f.Key).ToArray(), Bytes = bytes, Count = files.Count };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Uploading {Count} files to the {Store}")]
    private static partial void Uploading(ILogger logger, int count, string store);

    [LoggerMessage(Level = LogLevel.Information, Message = "Uploaded {Key} ({Bytes} bytes)")]
    private static partial void Uploaded(ILogger logger, string key, long bytes);
}
