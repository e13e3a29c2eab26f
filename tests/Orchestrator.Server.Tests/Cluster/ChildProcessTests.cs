using System.Globalization;
using System.Net;
using Orchestrator.Testing;

namespace Orchestrator.Server.Tests.Cluster;

/// <summary>A node killed with <c>kill -9</c> takes the processes its shell tasks started with it.</summary>
public sealed class ChildProcessTests
{
    /// <summary>The subshell exits at once, so its sleep is an orphan outside the task's process tree; the task then waits.</summary>
    private const string Spawner = """
        {
          "id": "spawner",
          "tasks": [
            { "id": "spawn", "activity": "core.shell",
              "with": { "executable": "/bin/sh", "args": ["-c", "(sleep 3600 >/dev/null 2>&1 & echo $! > grandchild.tmp && mv grandchild.tmp grandchild.pid); sleep 3600"] } }
          ]
        }
        """;

    [Fact]
    public async Task KilledNode_ItsShellTaskAndWhatItStartedDie()
    {
        await using var cluster = await NodeCluster.CreateAsync();
        await cluster.WriteWorkflowAsync("spawner", Spawner);
        var node = cluster.Start("node-a");
        await node.WaitUntilReadyAsync(NodeCluster.Patience);
        var pidFile = Path.Combine(cluster.DataDirectory, "grandchild.pid");

        await node.PostAsync("/api/v1/workflows/spawner/runs", "{}", HttpStatusCode.Created);
        await cluster.WaitUntilAsync(() => Task.FromResult(File.Exists(pidFile)), "the shell task writing its grandchild's pid");
        var pid = int.Parse((await File.ReadAllTextAsync(pidFile)).Trim(), CultureInfo.InvariantCulture);
        Assert.True(ProcessExit.IsAlive(pid), $"the grandchild {pid} runs before the node is killed");

        await node.KillAsync(withDescendants: false);

        await cluster.WaitUntilAsync(() => Task.FromResult(!ProcessExit.IsAlive(pid)), $"the grandchild {pid} ending after its node was killed");
    }
}
