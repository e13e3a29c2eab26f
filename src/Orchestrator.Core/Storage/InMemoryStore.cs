namespace Orchestrator.Core.Storage;

/// <summary>
/// Stores kept in memory: for <c>orchestrator run</c> without a database, for tests, and as the reference
/// behaviour the database stores must match.
/// </summary>
public sealed class InMemoryStore : IWorkflowVersionStore, IRunStore, ITaskLogStore, IWorkflowStateStore, IRunHistory
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string, string), WorkflowVersionRecord> _versions = [];
    private readonly Dictionary<Guid, RunRecord> _runs = [];
    private readonly Dictionary<(Guid, string), TaskInstanceRecord> _tasks = [];
    private readonly Dictionary<Guid, List<string>> _taskOrder = [];
    private readonly Dictionary<(Guid, string, int), AttemptRecord> _attempts = [];
    private readonly List<TaskLogLine> _logs = [];
    private readonly HashSet<string> _paused = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ScheduleProgress> _schedules = new(StringComparer.Ordinal);

    public Task<ScheduleProgress> ScheduleProgressAsync(string workflowId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_schedules.TryGetValue(workflowId, out var progress))
            {
                _schedules[workflowId] = progress = new ScheduleProgress(now, null);
            }

            return Task.FromResult(progress);
        }
    }

    public Task AdvanceScheduleCursorAsync(string workflowId, DateTimeOffset cursor, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_schedules.TryGetValue(workflowId, out var progress) && (progress.Cursor is null || progress.Cursor < cursor))
            {
                _schedules[workflowId] = progress with { Cursor = cursor };
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlySet<string>> PausedAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlySet<string>>(new HashSet<string>(_paused, StringComparer.Ordinal));
        }
    }

    public Task SetPausedAsync(string workflowId, bool paused, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (paused)
            {
                _paused.Add(workflowId);
            }
            else
            {
                _paused.Remove(workflowId);
            }
        }

        return Task.CompletedTask;
    }

    public Task SaveAsync(WorkflowVersionRecord version, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _versions.TryAdd((version.WorkflowId, version.Version), version);
        }

        return Task.CompletedTask;
    }

    public Task<WorkflowVersionRecord?> FindAsync(string workflowId, string version, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_versions.GetValueOrDefault((workflowId, version)));
        }
    }

    public Task<IReadOnlyList<WorkflowVersionRecord>> ListAsync(string workflowId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<WorkflowVersionRecord> list = _versions.Values.Where(v => v.WorkflowId == workflowId).OrderByDescending(v => v.CreatedAt).ToList();
            return Task.FromResult(list);
        }
    }

    public Task CreateAsync(RunRecord run, IReadOnlyList<TaskInstanceRecord> tasks, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_runs.TryAdd(run.Id, run))
            {
                throw new InvalidOperationException($"run {run.Id} already exists");
            }

            _taskOrder[run.Id] = tasks.Select(t => t.TaskId).ToList();
            foreach (var task in tasks)
            {
                _tasks[(task.RunId, task.TaskId)] = task;
            }
        }

        return Task.CompletedTask;
    }

    public Task SaveAsync(RunChanges changes, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (changes.Run is { } run)
            {
                _runs[run.Id] = run;
            }

            foreach (var task in changes.Tasks)
            {
                _tasks[(task.RunId, task.TaskId)] = task;
            }

            foreach (var attempt in changes.Attempts)
            {
                _attempts[(attempt.RunId, attempt.TaskId, attempt.Number)] = attempt;
            }
        }

        return Task.CompletedTask;
    }

    public Task<RunRecord?> FindAsync(Guid runId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_runs.GetValueOrDefault(runId));
        }
    }

    public Task<RunDetails?> GetDetailsAsync(Guid runId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_runs.TryGetValue(runId, out var run))
            {
                return Task.FromResult<RunDetails?>(null);
            }

            var tasks = _taskOrder[runId].Select(id => _tasks[(runId, id)]).ToList();
            var attempts = _attempts.Values.Where(a => a.RunId == runId)
                .OrderBy(a => a.TaskId, StringComparer.Ordinal).ThenBy(a => a.Number).ToList();
            return Task.FromResult<RunDetails?>(new RunDetails(run, tasks, attempts));
        }
    }

    public Task<IReadOnlyList<RunRecord>> ListAsync(RunFilter filter, Page page, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<RunRecord> list = _runs.Values
                .Where(r => filter.WorkflowId is null || r.WorkflowId == filter.WorkflowId)
                .Where(r => filter.State is null || r.State == filter.State)
                .Where(r => filter.LogicalDate is null || r.LogicalDate == filter.LogicalDate)
                .Where(r => page.After is not { } after || r.CreatedAt < after.At || (r.CreatedAt == after.At && r.Id.CompareTo(after.Id) < 0))
                .OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id)
                .Skip(page.Skip).Take(page.Take).ToList();
            return Task.FromResult(list);
        }
    }

    public Task<IReadOnlyDictionary<string, IReadOnlyList<RunSummary>>> RecentRunsAsync(int perWorkflow, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyDictionary<string, IReadOnlyList<RunSummary>> recent = _runs.Values
                .GroupBy(r => r.WorkflowId, StringComparer.Ordinal)
                .ToDictionary(
                    g => g.Key,
                    g => (IReadOnlyList<RunSummary>)g.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id).Take(perWorkflow).Select(RunSummary.From).ToList(),
                    StringComparer.Ordinal);
            return Task.FromResult(recent);
        }
    }

    public Task<RunGrid> GridAsync(string workflowId, int runs, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var newest = _runs.Values.Where(r => r.WorkflowId == workflowId)
                .OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id).Take(runs).Select(RunSummary.From).ToList();
            var cells = newest.SelectMany(r => _taskOrder[r.Id].Select(id => TaskCell.From(_tasks[(r.Id, id)]))).ToList();
            return Task.FromResult(new RunGrid(newest, cells));
        }
    }

    public Task AppendAsync(IReadOnlyList<TaskLogLine> lines, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _logs.AddRange(lines);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<TaskLogLine>> ReadAsync(Guid runId, string taskId, int? attempt, long afterSequence, int limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<TaskLogLine> list = _logs
                .Where(l => l.RunId == runId && l.TaskId == taskId && (attempt is null || l.Attempt == attempt) && l.Sequence > afterSequence)
                .OrderBy(l => l.Attempt).ThenBy(l => l.Sequence).Take(limit).ToList();
            return Task.FromResult(list);
        }
    }

    public Task<IReadOnlyList<TaskLogLine>> TailAsync(Guid runId, string taskId, int? attempt, int count, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<TaskLogLine> list = _logs
                .Where(l => l.RunId == runId && l.TaskId == taskId && (attempt is null || l.Attempt == attempt))
                .OrderBy(l => l.Attempt).ThenBy(l => l.Sequence).TakeLast(Math.Max(count, 0)).ToList();
            return Task.FromResult(list);
        }
    }
}
