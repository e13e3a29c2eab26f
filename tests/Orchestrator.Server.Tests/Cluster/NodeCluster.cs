using Orchestrator.Testing;

namespace Orchestrator.Server.Tests.Cluster;

/// <summary>
/// Server nodes as separate processes on one fresh PostgreSQL database, sharing a workflows folder (written by
/// the test) and a data directory, with short leases (3 s, renewed every second) so a dead node is noticed fast.
/// Disposing kills every node still running and deletes the directories.
/// </summary>
public sealed class NodeCluster : IAsyncDisposable
{
    /// <summary>How long anything a test waits for may take before the test fails.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly string _root = Directory.CreateTempSubdirectory("orchestrator-cluster-").FullName;
    private readonly List<ServerNode> _nodes = [];

    private NodeCluster(string connectionString)
    {
        ConnectionString = connectionString;
        Directory.CreateDirectory(WorkflowsDirectory);
        Directory.CreateDirectory(DataDirectory);
    }

    public string ConnectionString { get; }

    public string WorkflowsDirectory => Path.Combine(_root, "workflows");

    public string DataDirectory => Path.Combine(_root, "data");

    public static async Task<NodeCluster> CreateAsync()
        => await CreateAsync(await PostgresCluster.SharedAsync());

    /// <summary>Nodes on a database of <paramref name="postgres"/> (a cluster of the test's own, for outages).</summary>
    public static async Task<NodeCluster> CreateAsync(PostgresCluster postgres)
        => new(await postgres.CreateDatabaseAsync("cluster"));

    public Task WriteWorkflowAsync(string id, string json) => File.WriteAllTextAsync(Path.Combine(WorkflowsDirectory, id + ".json"), json);

    /// <summary>Starts a node named <paramref name="name"/> (its worker and lease owner name); wait for it with <see cref="ServerNode.WaitUntilReadyAsync"/>.</summary>
    public ServerNode Start(string name, TimeSpan? leaseDuration = null)
    {
        var workingDirectory = Directory.CreateDirectory(Path.Combine(_root, "nodes", name)).FullName;
        var node = ServerNode.Start(name, workingDirectory, new Dictionary<string, string>
        {
            ["Orchestrator__Database__Provider"] = "postgresql",
            ["Orchestrator__Database__ConnectionString"] = ConnectionString,
            ["Orchestrator__DataDirectory"] = DataDirectory,
            ["Orchestrator__WorkflowsDirectory"] = WorkflowsDirectory,
            ["Orchestrator__NodeName"] = name,
            ["Orchestrator__Workers__LeaseDuration"] = (leaseDuration ?? TimeSpan.FromSeconds(3)).ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            ["Orchestrator__Workers__HeartbeatInterval"] = "00:00:01",
            ["Orchestrator__Workers__PollInterval"] = "00:00:00.200",
            ["Orchestrator__Workers__ShutdownGrace"] = "00:00:00",
        });
        _nodes.Add(node);
        return node;
    }

    /// <summary>Polls <paramref name="condition"/> every 50 ms until it holds; fails with every node's output at the deadline.</summary>
    public async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"not within {Patience.TotalSeconds} s: {what}\n{Output}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }

    /// <summary>The console output of every node, for failure messages.</summary>
    public string Output => string.Join("\n", _nodes.Select(n => n.Output));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A file a killed node held open: the temporary directory is left to the system.
        }
    }
}
