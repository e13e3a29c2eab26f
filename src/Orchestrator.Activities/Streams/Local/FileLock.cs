using Microsoft.Win32.SafeHandles;
using Orchestrator.Core.Engine;

namespace Orchestrator.Activities.Streams.Local;

/// <summary>
/// An exclusive lock on a lock file, held while the handle is open: <see cref="FileShare.None"/> is an OS lock
/// (<c>flock</c> on Unix, a share mode on Windows), so it excludes other handles of this process and other processes,
/// and the OS drops it when a process dies. Lock files are never deleted, which would let two holders meet.
/// </summary>
internal sealed class FileLock : IDisposable
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMilliseconds(20);

    private readonly SafeFileHandle handle;

    private FileLock(SafeFileHandle handle) => this.handle = handle;

    /// <summary>The lock, or null when another handle holds it.</summary>
    public static FileLock? TryAcquire(string path)
    {
        try
        {
            return new FileLock(File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException e) when (IsHeldElsewhere(e))
        {
            return null;
        }
    }

    /// <summary>Waits for the lock, retrying with a growing back-off on <paramref name="time"/> until cancelled.</summary>
    public static async Task<FileLock> AcquireAsync(string path, TimeProvider time, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (TryAcquire(path) is { } acquired)
            {
                return acquired;
            }

            await Task.Delay(RetryPolicy.Exponential(FirstBackoff, attempt, MaxBackoff), time, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => handle.Dispose();

    // Windows: ERROR_SHARING_VIOLATION / ERROR_LOCK_VIOLATION. Unix: the runtime reports flock's EWOULDBLOCK
    // (EAGAIN: 11 on Linux, 35 on macOS and the BSDs) as the HResult.
    private static bool IsHeldElsewhere(IOException e)
        => OperatingSystem.IsWindows()
            ? (e.HResult & 0xFFFF) is 32 or 33
            : e.HResult is 11 or 35 || (e.HResult & 0xFFFF) is 32;
}
