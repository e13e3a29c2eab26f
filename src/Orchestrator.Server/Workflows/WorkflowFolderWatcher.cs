using System.Threading.Channels;
using Orchestrator.Server.Hosting;

namespace Orchestrator.Server.Workflows;

/// <summary>
/// Loads the workflows folder at start, then watches it: each added, changed, renamed or deleted file is
/// reloaded once its writes have settled (editors write in several steps).
/// </summary>
public sealed partial class WorkflowFolderWatcher(WorkflowCatalog catalog, TimeProvider time, ILogger<WorkflowFolderWatcher> logger) : BackgroundService
{
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(200);
    private readonly Channel<string> _changes = Channel.CreateUnbounded<string>();

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

        await catalog.LoadAllAsync(cancellationToken).ConfigureAwait(false);
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
            pending.Add(await _changes.Reader.ReadAsync(stoppingToken).ConfigureAwait(false));

            // Collect everything that arrives until the folder has been quiet for a moment.
            while (true)
            {
                using var settle = new CancellationTokenSource(Settle, time);
                using var quiet = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, settle.Token);
                try
                {
                    pending.Add(await _changes.Reader.ReadAsync(quiet.Token).ConfigureAwait(false));
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    break;
                }
            }

            foreach (var file in pending.Where(IsWorkflowFile))
            {
                await catalog.LoadFileAsync(file, stoppingToken).ConfigureAwait(false);
            }

            pending.Clear();
        }
    }

    private static bool IsWorkflowFile(string path)
        => path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && !path.EndsWith(".schema.json", StringComparison.OrdinalIgnoreCase);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watching the workflows folder failed: {Reason}")]
    private static partial void LogWatcherError(ILogger logger, string reason);
}
