using System.Runtime.InteropServices;

namespace Orchestrator.Activities.DataFiles;

/// <summary>
/// Writes a file so that it is either absent or complete and on disk: written to a temporary file beside it,
/// flushed to the device, renamed over the target, and the directory entry flushed too. What a consumer commits
/// offsets after.
/// </summary>
public static partial class DurableFile
{
    // Records are streamed through a large buffer with asynchronous I/O; a small file written at once needs neither.
    private static readonly FileStreamOptions Streamed = new()
    {
        Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.None, BufferSize = 1 << 16, Options = FileOptions.Asynchronous,
    };

    private static readonly FileStreamOptions Small = new() { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };

    public static Task WriteAsync(string path, Func<Stream, Task> write, CancellationToken cancellationToken)
        => ReplaceAsync(path, Streamed, async stream =>
        {
            await write(stream).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        });

    /// <summary>The same for a small file written at once (a consumer group's committed offsets).</summary>
    public static void Write(string path, Action<Stream> write)
        // Nothing is awaited on this path: the write and the file are synchronous, so the task has completed here.
        => ReplaceAsync(path, Small, stream =>
        {
            write(stream);
            return Task.CompletedTask;
        }).GetAwaiter().GetResult();

    private static async Task ReplaceAsync(string path, FileStreamOptions file, Func<Stream, Task> write)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var stream = new FileStream(temporary, file);
            await using (stream.ConfigureAwait(false))
            {
                await write(stream).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
            FlushDirectory(directory);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>
    /// Starts writing what <paramref name="file"/> holds so far to disk without waiting for it (Linux), so that a large
    /// file written in chunks is mostly on disk by the time its final fsync waits. Advisory: that fsync still decides.
    /// </summary>
    public static void StartWriteback(Stream file)
    {
        if (OperatingSystem.IsLinux() && file is FileStream { SafeFileHandle: { IsInvalid: false } handle })
        {
            _ = SyncFileRange((int)handle.DangerousGetHandle(), 0, 0, SyncFileRangeWrite);
        }
    }

    /// <summary>Makes a rename durable: on Linux the directory itself must be fsync'ed.</summary>
    private static void FlushDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fd = Open(directory, ReadOnly | DirectoryOnly);
        if (fd < 0)
        {
            return;
        }

        _ = Fsync(fd);
        _ = Close(fd);
    }

    private const int ReadOnly = 0;
    private const int DirectoryOnly = 0x10000;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int Fsync(int fd);

    private const uint SyncFileRangeWrite = 2; // SYNC_FILE_RANGE_WRITE: start writeback of dirty pages, do not wait

    [LibraryImport("libc", EntryPoint = "sync_file_range")]
    private static partial int SyncFileRange(int fd, long offset, long count, uint flags);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
