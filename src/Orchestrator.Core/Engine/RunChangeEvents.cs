using Orchestrator.Core.Storage;

namespace Orchestrator.Core.Engine;

/// <summary>Turns persisted <see cref="RunChanges"/> into the events observers see.</summary>
public static class RunChangeEvents
{
    public static void Publish(IRunObserver? observer, RunRecord run, RunChanges changes, DateTimeOffset at)
    {
        if (observer is null)
        {
            return;
        }

        foreach (var task in changes.Tasks)
        {
            observer.OnEvent(new TaskStateChanged(run.Id, at, task.TaskId, task.State, task.Attempts, task.NextAttemptAt, task.Error, run.WorkflowId));
        }

        if (changes.Run is { } changed)
        {
            observer.OnEvent(new RunStateChanged(changed.Id, at, changed.WorkflowId, changed.State, changed.Error));
        }
    }
}
