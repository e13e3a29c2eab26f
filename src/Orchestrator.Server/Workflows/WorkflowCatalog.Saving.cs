using System.Globalization;
using System.Text;
using Orchestrator.Engine;
using Orchestrator.Json;
using Orchestrator.Validation;

namespace Orchestrator.Server.Workflows;

/// <summary>A workflow file as it is on disk now: whether it exists and the version of its definition (null when invalid).</summary>
public sealed record WorkflowFileState(bool Exists, string? Version);

/// <summary>
/// How a change of a workflow file ended: <see cref="Validation"/> holds the errors of an invalid definition;
/// <see cref="Refused"/> is the file's state when the caller's precondition did not hold (nothing was written).
/// </summary>
public sealed record WorkflowFileChange(WorkflowValidationResult Validation, bool Created = false, WorkflowFileState? Refused = null);

/// <summary>Writes, renames and deletes workflow files for the API, one change at a time, then loads them like the watcher does.</summary>
public sealed partial class WorkflowCatalog
{
    private readonly SemaphoreSlim _writing = new(1, 1);

    /// <summary>
    /// Validates a definition and writes it to <c>workflows/&lt;id&gt;.json</c> in <see cref="WorkflowFileFormat"/>,
    /// when <paramref name="precondition"/> (if any) accepts the file's current state; the catalog then loads it
    /// like any changed file.
    /// </summary>
    public async Task<WorkflowFileChange> SaveAsync(byte[] json, Func<WorkflowFileState, bool>? precondition, CancellationToken cancellationToken)
    {
        var result = validator.Validate("request.json", json);
        if (!result.IsValid)
        {
            return new WorkflowFileChange(result);
        }

        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var path = FileOf(result.Definition!.Id);
            var state = await FileStateAsync(path, cancellationToken).ConfigureAwait(false);
            if (precondition is not null && !precondition(state))
            {
                return new WorkflowFileChange(result, Refused: state);
            }

            await WriteAsync(path, WorkflowFileFormat.Write(result.Definition), cancellationToken).ConfigureAwait(false);
            await LoadFileAsync(path, cancellationToken).ConfigureAwait(false);
            return new WorkflowFileChange(result, Created: !state.Exists);
        }
        finally
        {
            _writing.Release();
        }
    }

    // The file of a known workflow wherever it is, else <id>.json.
    private string FileOf(string workflowId) => Find(workflowId)?.File ?? Path.Combine(Directory, workflowId + ".json");

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
