using Orchestrator.Core.Engine;

namespace Orchestrator.Persistence.Queue;

/// <summary>The database transaction of a run's change, as participants see it: they add rows to <see cref="Db"/>.</summary>
public sealed class EfRunChangeTransaction(OrchestratorDbContext db) : IRunChangeTransaction
{
    private readonly List<Action> _committed = [];

    /// <summary>The context whose transaction persists the change; what is added here is saved with it.</summary>
    public OrchestratorDbContext Db { get; } = db;

    public void OnCommitted(Action action) => _committed.Add(action);

    /// <summary>Called by the queue after the commit.</summary>
    internal void Committed()
    {
        foreach (var action in _committed)
        {
            action();
        }
    }
}
