using System.Threading.Channels;
using Orchestrator.Core.Engine;
using Orchestrator.Server.Hosting;

namespace Orchestrator.Server.Workflows;

/// <summary>
/// Loads the workflows folder at start, then watches it: each added, changed, renamed or deleted file is
/// reloaded once its writes have settled (editors write in several steps). Files are isolated from each other: one
/// that cannot be loaded (the database is down, an unexpected error) is logged with its path, its workflow keeps its
/// last good version, the others load, and it is tried again, less often the longer it keeps failing.
/// </summary>
public sealed partial class WorkflowFolderWatcher(WorkflowCatalog catalog, TimeProvider time, ILogger<WorkflowFolderWatcher> logger) : BackgroundService
{
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(30);
    private readonly Channel<string> _changes = Channel.CreateUnbounded<string>();
    private readonly HashSet<string> _failed = new(StringComparer.Ordinal);
    private int _failedRounds;

    private FileSystemWatcher? _watcher;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Watch first, then load: a change made while (or right after) the folder is read is still seen.
        // ExecuteAsync runs in the background, so watching from there would miss changes made after StartAsync.
        Directory.CreateDirectory(catalog.Directory);
        _watcher = new FileSystemWatcher(catalog.Directory, "*.json")
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
            IncludeSubdirectories = false,
        };
        _watcher.Changed += (_, e) => _changes.Writer.TryWrite(e.FullPath);
        _watcher.Created += (_, e) => _changes.Writer.TryWrite(e.FullPath);
        _watcher.Deleted += (_, e) => _changes.Writer.TryWrite(e.FullPath);
        _watcher.Renamed += (_, e) =>
        {
            _changes.Writer.TryWrite(e.OldFullPath);
            _changes.Writer.TryWrite(e.FullPath);
        };
        _watcher.Error += (_, e) => LogWatcherError(logger, e.GetException().Message);
        _watcher.EnableRaisingEvents = true;

        _failed.UnionWith(await catalog.LoadAllAsync(cancellationToken).ConfigureAwait(false));
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _watcher?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pending = new HashSet<string>(StringComparer.Ordinal);
        while (!stoppingToken.IsCancellationRequested)
        {
            // Wait for a change; files that failed to load are tried again after a while even without one.
            if (await NextChangeAsync(_failed.Count > 0 ? RetryPolicy.Exponential(FirstRetry, _failedRounds, LongestRetry) : Timeout.InfiniteTimeSpan, stoppingToken).ConfigureAwait(false) is { } first)
            {
                pending.Add(first);

                // Collect everything that arrives until the folder has been quiet for a moment.
                while (await NextChangeAsync(Settle, stoppingToken).ConfigureAwait(false) is { } next)
                {
                    pending.Add(next);
                }
            }

            pending.UnionWith(_failed);
            _failed.Clear();
            await LoadAsync(pending.Where(IsWorkflowFile), stoppingToken).ConfigureAwait(false);
            pending.Clear();
        }
    }

    /// <summary>The next changed path, or null when none arrives within <paramref name="wait"/>.</summary>
    private async Task<string?> NextChangeAsync(TimeSpan wait, CancellationToken stoppingToken)
    {
        if (wait == Timeout.InfiniteTimeSpan)
        {
            return await _changes.Reader.ReadAsync(stoppingToken).ConfigureAwait(false);
        }

        using var timeout = new CancellationTokenSource(wait, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token);
        try
        {
            return await _changes.Reader.ReadAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private async Task LoadAsync(IEnumerable<string> files, CancellationToken cancellationToken)
    {
        foreach (var file in files.ToList())
        {
            if (!await catalog.TryLoadFileAsync(file, cancellationToken).ConfigureAwait(false))
            {
                _failed.Add(file);
            }
        }

        _failedRounds = _failed.Count == 0 ? 0 : _failedRounds + 1;
    }

    private static bool IsWorkflowFile(string path)
        => path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && !path.EndsWith(".schema.json", StringComparison.OrdinalIgnoreCase);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watching the workflows folder failed: {Reason}")]
    private static partial void LogWatcherError(ILogger logger, string reason);
}
