namespace Orchestrator.Core.Validation;

/// <summary>
/// The dependency graph of a workflow's tasks for validation: its cycles, and whether one task is upstream of another.
/// Built in O(V+E) without recursion, so a chain of tens of thousands of tasks costs milliseconds and no stack.
/// Upstream questions are answered from a spanning forest of the dependencies (O(1) for chains and trees); only
/// when the forest does not say yes does a search walk the dependencies, skipping tasks that come before the
/// candidate in topological order.
/// </summary>
internal sealed class TaskGraph
{
    private const int Unranked = int.MaxValue;

    private readonly IReadOnlyList<(string Id, IReadOnlyList<string> DependsOn)> _tasks;
    private readonly Dictionary<string, int> _index;
    private readonly int[][] _upstream;
    private readonly int[] _rank;
    private readonly int[] _enter;
    private readonly int[] _exit;
    private readonly int[] _seen;
    private int _search;

    /// <param name="tasks">Tasks with distinct ids and, in order, the ids each depends on; unknown ids are ignored (reported elsewhere).</param>
    public TaskGraph(IReadOnlyList<(string Id, IReadOnlyList<string> DependsOn)> tasks)
    {
        _tasks = tasks;
        _index = new Dictionary<string, int>(tasks.Count, StringComparer.Ordinal);
        for (var i = 0; i < tasks.Count; i++)
        {
            _index.TryAdd(tasks[i].Id, i);
        }

        _upstream = tasks.Select(t => t.DependsOn.Where(_index.ContainsKey).Select(id => _index[id]).ToArray()).ToArray();
        _rank = TopologicalRanks();
        (_enter, _exit) = SpanningForestIntervals();
        _seen = new int[tasks.Count];
    }

    /// <summary>One dependency that closes a cycle: the task, the position of the entry in its dependsOn, the cycle in flow order.</summary>
    public sealed record Cycle(string Task, int DependsOnIndex, IReadOnlyList<string> Flow);

    /// <summary>
    /// Each cycle once (by its set of tasks), at the dependsOn entry that closes it, found by a depth-first walk
    /// along dependencies in task order.
    /// </summary>
    public IReadOnlyList<Cycle> Cycles()
    {
        var tasks = _tasks;
        var count = _upstream.Length;
        var state = new byte[count]; // 0 = not seen, 1 = on the path, 2 = done
        var pathIndex = new int[count];
        var path = new List<int>();
        var next = new int[count]; // next dependsOn entry to follow, per task on the path
        var reported = new HashSet<string>(StringComparer.Ordinal);
        var cycles = new List<Cycle>();
        for (var start = 0; start < count; start++)
        {
            if (state[start] != 0)
            {
                continue;
            }

            Enter(start);
            while (path.Count > 0)
            {
                var node = path[^1];
                var entries = tasks[node].DependsOn;
                if (next[node] == entries.Count)
                {
                    path.RemoveAt(path.Count - 1);
                    state[node] = 2;
                    continue;
                }

                var entry = next[node]++;
                if (!_index.TryGetValue(entries[entry], out var upstream))
                {
                    continue;
                }

                if (state[upstream] == 0)
                {
                    Enter(upstream);
                }
                else if (state[upstream] == 1)
                {
                    // path[from..] = [upstream, ..., node]: each depends on the next. Print in flow order.
                    var members = path.Skip(pathIndex[upstream]).Select(i => tasks[i].Id).ToList();
                    if (reported.Add(string.Join(',', members.Order(StringComparer.Ordinal))))
                    {
                        var flow = members.Count == 1 ? [members[0], members[0]] : Enumerable.Reverse(members).Append(tasks[node].Id).ToList();
                        cycles.Add(new Cycle(tasks[node].Id, entry, flow));
                    }
                }
            }
        }

        return cycles;

        void Enter(int node)
        {
            state[node] = 1;
            pathIndex[node] = path.Count;
            path.Add(node);
        }
    }

    /// <summary>Whether <paramref name="candidate"/> is upstream of <paramref name="task"/> (directly or through other tasks).</summary>
    public bool IsUpstream(string task, string candidate)
    {
        if (!_index.TryGetValue(task, out var from) || !_index.TryGetValue(candidate, out var target) || from == target)
        {
            return false;
        }

        if (IsForestAncestor(target, from))
        {
            return true;
        }

        if (_rank[target] == Unranked && _rank[from] != Unranked)
        {
            return false; // a task on or after a cycle cannot be upstream of one that is not
        }

        _search++;
        var stack = new Stack<int>();
        stack.Push(from);
        _seen[from] = _search;
        while (stack.Count > 0)
        {
            foreach (var upstream in _upstream[stack.Pop()])
            {
                if (upstream == target || IsForestAncestor(target, upstream))
                {
                    return true;
                }

                // Upstream tasks rank below their downstream ones: nothing ranked at or below the target leads to it.
                if (_seen[upstream] != _search && (_rank[upstream] == Unranked || _rank[upstream] > _rank[target]))
                {
                    _seen[upstream] = _search;
                    stack.Push(upstream);
                }
            }
        }

        return false;
    }

    private bool IsForestAncestor(int ancestor, int node) => _enter[ancestor] < _enter[node] && _exit[node] <= _exit[ancestor];

    /// <summary>Kahn's order, upstream first; tasks on or after a cycle stay unranked.</summary>
    private int[] TopologicalRanks()
    {
        var count = _upstream.Length;
        var downstream = Downstream();
        var waiting = _upstream.Select(u => u.Length).ToArray();
        var rank = Enumerable.Repeat(Unranked, count).ToArray();
        var ready = new Queue<int>(Enumerable.Range(0, count).Where(i => waiting[i] == 0));
        var order = 0;
        while (ready.TryDequeue(out var node))
        {
            rank[node] = order++;
            foreach (var next in downstream[node])
            {
                if (--waiting[next] == 0)
                {
                    ready.Enqueue(next);
                }
            }
        }

        return rank;
    }

    /// <summary>
    /// Enter and exit times of a depth-first walk over a spanning forest where each ranked task's parent is its first
    /// dependency: a forest ancestor is a real upstream task.
    /// </summary>
    private (int[] Enter, int[] Exit) SpanningForestIntervals()
    {
        var count = _upstream.Length;
        var children = new List<int>[count];
        var roots = new List<int>();
        for (var i = 0; i < count; i++)
        {
            if (_rank[i] != Unranked && _upstream[i].Length > 0)
            {
                (children[_upstream[i][0]] ??= []).Add(i);
            }
            else
            {
                roots.Add(i);
            }
        }

        var enter = new int[count];
        var exit = new int[count];
        var clock = 0;
        var stack = new Stack<(int Node, int Child)>();
        foreach (var root in roots)
        {
            enter[root] = ++clock;
            stack.Push((root, 0));
            while (stack.TryPop(out var top))
            {
                var kids = children[top.Node];
                if (kids is not null && top.Child < kids.Count)
                {
                    stack.Push((top.Node, top.Child + 1));
                    var child = kids[top.Child];
                    enter[child] = ++clock;
                    stack.Push((child, 0));
                }
                else
                {
                    exit[top.Node] = ++clock;
                }
            }
        }

        return (enter, exit);
    }

    private List<int>[] Downstream()
    {
        var downstream = new List<int>[_upstream.Length];
        for (var i = 0; i < _upstream.Length; i++)
        {
            downstream[i] = [];
        }

        for (var i = 0; i < _upstream.Length; i++)
        {
            foreach (var upstream in _upstream[i])
            {
                downstream[upstream].Add(i);
            }
        }

        return downstream;
    }
}
