using System.Collections.Concurrent;
using System.Text.Json;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Json;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Core.Validation;
using Orchestrator.Server.Hosting;

namespace Orchestrator.Server.Workflows;

/// <summary>What the server knows of one workflow: its last good version, the latest errors of its file, whether it is active.</summary>
public sealed record WorkflowEntry(
    string WorkflowId,
    string File,
    WorkflowPlan? Plan,
    IReadOnlyList<Diagnostic> Errors,
    bool Active,
    DateTimeOffset UpdatedAt);

/// <summary>
/// The workflows folder as the server sees it. A valid file becomes a version (by content hash, stored once);
/// an invalid file keeps the last good version active and exposes its errors; a deleted file deactivates its
/// workflow. Also the source of compiled plans for any version a run points at, old ones included.
/// </summary>
public sealed partial class WorkflowCatalog(
    WorkflowValidator validator,
    ActivityRegistry activities,
    EngineDefaults defaults,
    IWorkflowVersionStore versions,
    TimeProvider time,
    Microsoft.Extensions.Options.IOptions<OrchestratorOptions> options,
    ILogger<WorkflowCatalog> logger) : IWorkflowPlans
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, WorkflowEntry> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, WorkflowEntry> _invalidFiles = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string, string), WorkflowPlan> _plans = new();

    /// <summary>Raised after a workflow was added, changed, deactivated or got errors.</summary>
    public event Action<string>? Changed;

    public string Directory => Path.GetFullPath(options.Value.WorkflowsDirectory);

    public IReadOnlyList<WorkflowEntry> Workflows
    {
        get
        {
            lock (_gate)
            {
                return _byId.Values.OrderBy(e => e.WorkflowId, StringComparer.Ordinal).ToList();
            }
        }
    }

    /// <summary>Files that never held a valid workflow (no id is known for them), with their errors.</summary>
    public IReadOnlyList<WorkflowEntry> InvalidFiles
    {
        get
        {
            lock (_gate)
            {
                return _invalidFiles.Values.OrderBy(e => e.File, StringComparer.Ordinal).ToList();
            }
        }
    }

    public WorkflowEntry? Find(string workflowId)
    {
        lock (_gate)
        {
            return _byId.GetValueOrDefault(workflowId);
        }
    }

    public WorkflowPlan? Find(string workflowId, string version)
    {
        if (_plans.TryGetValue((workflowId, version), out var plan))
        {
            return plan;
        }

        // An older version (a run created before a change or a restart): compile it from the stored snapshot.
        var stored = versions.FindAsync(workflowId, version, CancellationToken.None).GetAwaiter().GetResult();
        if (stored is null)
        {
            return null;
        }

        var definition = JsonSerializer.Deserialize(stored.DefinitionJson, OrchestratorJsonContext.Default.WorkflowDefinition)!;
        plan = WorkflowPlan.Compile(definition, activities, defaults);
        return _plans.GetOrAdd((workflowId, version), plan);
    }

    /// <summary>
    /// Records the version of a draft (a definition that is not in the folder) like any version and keeps its
    /// compiled plan for the workers; the workflow's active version, file and schedule are untouched.
    /// </summary>
    public async Task<WorkflowPlan> RecordDraftAsync(WorkflowDefinition definition, CancellationToken cancellationToken)
    {
        var plan = WorkflowPlan.Compile(definition, activities, defaults);
        await versions.SaveAsync(new WorkflowVersionRecord(plan.WorkflowId, plan.Version, WorkflowPlan.CanonicalJson(plan.Definition), time.GetUtcNow()), cancellationToken)
            .ConfigureAwait(false);
        return _plans.GetOrAdd((plan.WorkflowId, plan.Version), plan);
    }

    /// <summary>Loads every workflow file of the folder, each on its own; returns the files that could not be loaded.</summary>
    public async Task<IReadOnlyList<string>> LoadAllAsync(CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var failed = new List<string>();
        foreach (var file in WorkflowFiles())
        {
            if (!await TryLoadFileAsync(file, cancellationToken).ConfigureAwait(false))
            {
                failed.Add(file);
            }
        }

        return failed;
    }

    /// <summary>
    /// <see cref="LoadFileAsync"/>, isolated: a file that cannot be loaded (the database is down, an unexpected error)
    /// is logged with its path and its workflow keeps its last good version. False when it should be tried again.
    /// </summary>
    public async Task<bool> TryLoadFileAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            await LoadFileAsync(path, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogLoadFailed(logger, Relative(Path.GetFullPath(path)), e.Message, e);
            return false;
        }
    }

    /// <summary>Reads one file (added, changed or deleted) and updates the catalog.</summary>
    public async Task LoadFileAsync(string path, CancellationToken cancellationToken)
    {
        var file = Path.GetFullPath(path);
        var now = time.GetUtcNow();
        if (!File.Exists(file))
        {
            Deactivate(file, now);
            return;
        }

        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            LogUnreadable(logger, file, e.Message);
            return;
        }

        var result = validator.Validate(Relative(file), bytes);
        string? changedId;
        if (result.IsValid)
        {
            var plan = WorkflowPlan.Compile(result.Definition!, activities, defaults);
            await versions.SaveAsync(new WorkflowVersionRecord(plan.WorkflowId, plan.Version, WorkflowPlan.CanonicalJson(plan.Definition), now), cancellationToken).ConfigureAwait(false);
            _plans.TryAdd((plan.WorkflowId, plan.Version), plan);
            lock (_gate)
            {
                var previous = _byId.GetValueOrDefault(plan.WorkflowId);
                if (previous is not null && previous.File != file && previous.Active && File.Exists(previous.File))
                {
                    var duplicate = new Diagnostic(Relative(file), TextPosition.Start, "$.id", DiagnosticCodes.DuplicateWorkflowId,
                        $"workflow id '{plan.WorkflowId}' is also defined in {Relative(previous.File)}");
                    _invalidFiles[file] = new WorkflowEntry(plan.WorkflowId, file, null, [duplicate], false, now);
                    LogInvalid(logger, Relative(file), 1, duplicate.ToString());
                    return;
                }

                _invalidFiles.Remove(file);
                _byId[plan.WorkflowId] = new WorkflowEntry(plan.WorkflowId, file, plan, [], true, now);
                changedId = plan.WorkflowId;
            }

            LogLoaded(logger, plan.WorkflowId, plan.Version, Relative(file));
        }
        else
        {
            LogInvalid(logger, Relative(file), result.Diagnostics.Count, string.Join(Environment.NewLine, result.Diagnostics));
            lock (_gate)
            {
                var known = _byId.Values.FirstOrDefault(e => e.File == file);
                if (known is not null)
                {
                    // Keep the last good version running; show the new errors.
                    _byId[known.WorkflowId] = known with { Errors = result.Diagnostics, UpdatedAt = now };
                    changedId = known.WorkflowId;
                }
                else
                {
                    _invalidFiles[file] = new WorkflowEntry(Path.GetFileNameWithoutExtension(file), file, null, result.Diagnostics, false, now);
                    changedId = null;
                }
            }
        }

        if (changedId is not null)
        {
            Changed?.Invoke(changedId);
        }
    }

    public IEnumerable<string> WorkflowFiles()
        => System.IO.Directory.Exists(Directory)
            ? System.IO.Directory.GetFiles(Directory, "*.json").Where(f => !f.EndsWith(".schema.json", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal)
            : [];

    private void Deactivate(string file, DateTimeOffset now)
    {
        string? id = null;
        lock (_gate)
        {
            _invalidFiles.Remove(file);
            var known = _byId.Values.FirstOrDefault(e => e.File == file && e.Active);
            if (known is not null)
            {
                _byId[known.WorkflowId] = known with { Active = false, UpdatedAt = now };
                id = known.WorkflowId;
            }
        }

        if (id is not null)
        {
            LogDeactivated(logger, id, Relative(file));
            Changed?.Invoke(id);
        }
    }

    // Errors and logs name a file from the workflows folder's name down ("workflows/etl.json"), the same on every node
    // and in the API whatever the server's working directory, and never with the machine's absolute path.
    private string Relative(string file) => Path.GetRelativePath(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Directory)) ?? "/", file);

    [LoggerMessage(Level = LogLevel.Information, Message = "Workflow {WorkflowId} version {Version} loaded from {File}")]
    private static partial void LogLoaded(ILogger logger, string workflowId, string version, string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workflow file {File} has {Count} error(s); the last good version stays active:\n{Errors}")]
    private static partial void LogInvalid(ILogger logger, string file, int count, string errors);

    [LoggerMessage(Level = LogLevel.Information, Message = "Workflow {WorkflowId} deactivated: {File} was deleted")]
    private static partial void LogDeactivated(ILogger logger, string workflowId, string file);

    [LoggerMessage(Level = LogLevel.Error, Message = "Workflow file {File} could not be loaded; its last good version stays active and it is tried again: {Reason}")]
    private static partial void LogLoadFailed(ILogger logger, string file, string reason, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workflow file {File} could not be read: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string file, string reason);
}
