using System.Text;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Json;
using Orchestrator.Core.Validation;

namespace Orchestrator.Server.Workflows;

/// <summary>A workflow file as it is on disk now: whether it exists and the version of its definition (null when invalid).</summary>
public sealed record WorkflowFileState(bool Exists, string? Version);

/// <summary>How a change of a workflow file ended.</summary>
public enum WorkflowFileOutcome
{
    /// <summary>An existing file was replaced (or renamed, or moved to the history).</summary>
    Written,

    /// <summary>A new file was written.</summary>
    Created,

    /// <summary>The definition (or the file to rename) has errors; nothing was written.</summary>
    Invalid,

    /// <summary>The file is not in the state the caller expected (it changed on disk); nothing was written.</summary>
    PreconditionFailed,

    /// <summary>No workflow with a file has this id.</summary>
    NotFound,

    /// <summary>The id a rename asks for is another workflow's.</summary>
    IdTaken,
}

/// <summary>The outcome of a file change, the errors of an invalid definition, the file's state when a precondition failed.</summary>
public sealed record WorkflowFileChange(WorkflowFileOutcome Outcome, IReadOnlyList<Diagnostic>? Errors = null, WorkflowFileState? Current = null);

/// <summary>
/// Writes, renames and deletes workflow files for the API, one change at a time, then loads them as the folder
/// watcher would (so schedules and triggers follow). Each change may carry a precondition on the file's current
/// state (the version the client read).
/// </summary>
public sealed partial class WorkflowCatalog
{
    /// <summary>The folder of the data directory that deleted workflow files are moved to.</summary>
    public const string HistoryFolder = "workflow-history";

    private readonly SemaphoreSlim _writing = new(1, 1);

    /// <summary>Validates a definition and writes it to <c>workflows/&lt;id&gt;.json</c> in <see cref="WorkflowFileFormat"/>.</summary>
    public async Task<WorkflowFileChange> SaveAsync(byte[] json, Func<WorkflowFileState, bool>? precondition, CancellationToken cancellationToken)
    {
        var result = validator.Validate("request.json", json);
        if (!result.IsValid)
        {
            return new WorkflowFileChange(WorkflowFileOutcome.Invalid, result.Diagnostics);
        }

        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var path = Find(result.Definition!.Id)?.File ?? FileFor(result.Definition.Id);
            var state = await FileStateAsync(path, cancellationToken).ConfigureAwait(false);
            if (precondition is not null && !precondition(state))
            {
                return new WorkflowFileChange(WorkflowFileOutcome.PreconditionFailed, Current: state);
            }

            await WriteAsync(path, WorkflowFileFormat.Write(result.Definition), cancellationToken).ConfigureAwait(false);
            await LoadFileAsync(path, cancellationToken).ConfigureAwait(false);
            return new WorkflowFileChange(state.Exists ? WorkflowFileOutcome.Written : WorkflowFileOutcome.Created);
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>
    /// Gives a workflow another id: its definition, with the new id, is written to <c>&lt;newId&gt;.json</c> and its
    /// file removed; the old id is deactivated (its runs stay, under the old id).
    /// </summary>
    public Task<WorkflowFileChange> RenameAsync(string workflowId, string newId, Func<WorkflowFileState, bool>? precondition, CancellationToken cancellationToken)
        => ChangeFileAsync(workflowId, precondition, async (file, cancel) =>
        {
            var current = validator.Validate(Relative(file), await File.ReadAllBytesAsync(file, cancel).ConfigureAwait(false));
            if (!current.IsValid)
            {
                return new WorkflowFileChange(WorkflowFileOutcome.Invalid, current.Diagnostics);
            }

            var text = WorkflowFileFormat.Write(current.Definition! with { Id = newId });
            var renamed = validator.Validate("request.json", Encoding.UTF8.GetBytes(text));
            if (!renamed.IsValid)
            {
                return new WorkflowFileChange(WorkflowFileOutcome.Invalid, renamed.Diagnostics);
            }

            // Checked after the new id is known to be valid: only then is it a file name.
            var target = FileFor(newId);
            if (Find(newId) is { Active: true } || File.Exists(target))
            {
                return new WorkflowFileChange(WorkflowFileOutcome.IdTaken);
            }

            await WriteAsync(target, text, cancel).ConfigureAwait(false);
            File.Delete(file);
            await LoadFileAsync(target, cancel).ConfigureAwait(false);
            await LoadFileAsync(file, cancel).ConfigureAwait(false);
            return new WorkflowFileChange(WorkflowFileOutcome.Written);
        }, cancellationToken);

    /// <summary>
    /// Moves a workflow's file to <c>&lt;data&gt;/workflow-history/&lt;id&gt;-&lt;UTC time&gt;.json</c> and deactivates
    /// the workflow (no new runs; its runs and versions stay).
    /// </summary>
    public Task<WorkflowFileChange> DeleteAsync(string workflowId, Func<WorkflowFileState, bool>? precondition, CancellationToken cancellationToken)
        => ChangeFileAsync(workflowId, precondition, async (file, cancel) =>
        {
            var history = System.IO.Directory.CreateDirectory(Path.Combine(Path.GetFullPath(options.Value.DataDirectory), HistoryFolder)).FullName;
            var stamp = time.GetUtcNow().ToString("yyyyMMdd'T'HHmmssfff'Z'", System.Globalization.CultureInfo.InvariantCulture);
            File.Move(file, Path.Combine(history, $"{workflowId}-{stamp}.json"));
            await LoadFileAsync(file, cancel).ConfigureAwait(false);
            return new WorkflowFileChange(WorkflowFileOutcome.Written);
        }, cancellationToken);

    // A change of the file of a known, active workflow, under the write lock and the caller's precondition.
    private async Task<WorkflowFileChange> ChangeFileAsync(
        string workflowId, Func<WorkflowFileState, bool>? precondition, Func<string, CancellationToken, Task<WorkflowFileChange>> change, CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Find(workflowId) is not { Active: true } entry || !File.Exists(entry.File))
            {
                return new WorkflowFileChange(WorkflowFileOutcome.NotFound);
            }

            var state = await FileStateAsync(entry.File, cancellationToken).ConfigureAwait(false);
            return precondition is not null && !precondition(state)
                ? new WorkflowFileChange(WorkflowFileOutcome.PreconditionFailed, Current: state)
                : await change(entry.File, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writing.Release();
        }
    }

    private string FileFor(string workflowId) => Path.Combine(Directory, workflowId + ".json");

    private async Task<WorkflowFileState> FileStateAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return new WorkflowFileState(false, null);
        }

        var current = validator.Validate(Relative(path), await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false));
        return new WorkflowFileState(true, current.IsValid ? WorkflowPlan.VersionOf(current.Definition!) : null);
    }

    private static async Task WriteAsync(string path, string text, CancellationToken cancellationToken)
    {
        // Written aside and moved in: the watcher and other readers never see half a file.
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, text, new UTF8Encoding(false), cancellationToken).ConfigureAwait(false);
        File.Move(temporary, path, overwrite: true);
    }
}
