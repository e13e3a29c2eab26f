using System.Runtime.InteropServices;

namespace Orchestrator.Server.Hosting;

/// <summary>
/// Gives the memory of a burst of work back to the operating system once the node goes quiet. After a burst (the
/// start-up, a run, a busy minute of the API) the collector keeps what the burst promoted until its budgets call for
/// a full collection, which an idle node does not reach, and the heap's free regions stay committed: resident memory
/// that nothing uses; so do glibc's arenas with the native memory the burst freed (the JIT's, SQLite's). So when an
/// <see cref="Interval"/> allocated at most <see cref="QuietBytes"/> and at least <see cref="BurstBytes"/> were
/// allocated since the last trim, one aggressive collection compacts the heap and decommits its free regions, and
/// <c>malloc_trim</c> returns glibc's free pages. A busy node is never interrupted: a trim comes only after a quiet
/// interval, once per burst (README, Benchmarks: server start-up).
/// </summary>
public sealed partial class IdleMemoryTrim : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    /// <summary>At most this much allocated in one interval is a node that only waits (pollers, probes, scrapes).</summary>
    public const long QuietBytes = 1 << 20;

    /// <summary>Allocated since the last trim before another is worth a blocking full collection.</summary>
    public const long BurstBytes = 16 << 20;

    private readonly TimeProvider _time;
    private readonly Func<long> _allocatedBytes;
    private readonly Action _trim;

    public IdleMemoryTrim(TimeProvider time, ILogger<IdleMemoryTrim> logger)
        : this(time, () => GC.GetTotalAllocatedBytes(), () => Trim(logger))
    {
    }

    /// <param name="allocatedBytes">The bytes allocated by the process so far.</param>
    /// <param name="trim">What a trim does.</param>
    internal IdleMemoryTrim(TimeProvider time, Func<long> allocatedBytes, Action trim)
    {
        _time = time;
        _allocatedBytes = allocatedBytes;
        _trim = trim;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, _time);

        // Counted from zero: the start-up is the first burst.
        var policy = new Policy(_allocatedBytes());
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (policy.Tick(_allocatedBytes()))
            {
                _trim();
            }
        }
    }

    /// <summary>The decision, tick by tick, from the bytes allocated so far.</summary>
    internal sealed class Policy(long allocated)
    {
        private long _lastTick = allocated;
        private long _lastTrim;

        /// <summary>True when the node should trim now; it is then counted as trimmed.</summary>
        public bool Tick(long allocated)
        {
            var quiet = allocated - _lastTick <= QuietBytes;
            _lastTick = allocated;
            if (!quiet || allocated - _lastTrim < BurstBytes)
            {
                return false;
            }

            _lastTrim = allocated;
            return true;
        }
    }

    private static void Trim(ILogger logger)
    {
        var before = GC.GetGCMemoryInfo().TotalCommittedBytes;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        if (OperatingSystem.IsLinux())
        {
            try
            {
                _ = MallocTrim(0);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                // Not glibc (musl has no malloc_trim): that allocator keeps what it keeps.
            }
        }

        var after = GC.GetGCMemoryInfo();
        LogTrimmed(logger, before >> 20, after.TotalCommittedBytes >> 20, after.HeapSizeBytes >> 20);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Idle after a burst: the managed heap's committed memory went from {Before} MB to {After} MB ({Live} MB live)")]
    private static partial void LogTrimmed(ILogger logger, long before, long after, long live);

    [DllImport("libc.so.6", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
