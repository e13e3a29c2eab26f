using Orchestrator.Server.Tests.Cluster;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Hosting;

/// <summary>
/// What a server on its embedded default (SQLite, the repository's workflows) keeps mapped once ready: the code of
/// the features it does not use at start is not loaded (README, Benchmarks: server start-up). A process of its own,
/// because the test process has loaded everything by the time this runs.
/// </summary>
public sealed class StartupFootprintTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("orchestrator-footprint-").FullName;

    [Fact]
    public async Task SqliteServer_LeavesThePostgreSqlProviderQuartzQuicIisOpenSslAndIcuUnloaded_WhenReady()
    {
        var workflows = Directory.CreateDirectory(Path.Combine(_root, "workflows")).FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(Repository.Root, "workflows"), "*.json"))
        {
            File.Copy(file, Path.Combine(workflows, Path.GetFileName(file)));
        }

        await using var node = ServerNode.Start("sqlite", _root, new Dictionary<string, string>
        {
            ["Orchestrator__DataDirectory"] = Path.Combine(_root, "data"),
            ["Orchestrator__WorkflowsDirectory"] = workflows,
        });
        await node.WaitUntilReadyAsync(NodeCluster.Patience);

        var mapped = MappedAssemblies(node.ProcessId);
        Assert.Contains("Microsoft.EntityFrameworkCore.Sqlite.dll", mapped);
        Assert.DoesNotContain(mapped, name => name.StartsWith("Npgsql", StringComparison.Ordinal));

        // One node schedules with timers: Quartz is for the clustered store of PostgreSQL.
        Assert.DoesNotContain(mapped, name => name.StartsWith("Quartz", StringComparison.Ordinal));

        // The slim web builder: no HTTP/3 (QUIC) and no IIS integration.
        Assert.DoesNotContain("System.Net.Quic.dll", mapped);
        Assert.DoesNotContain(mapped, name => name.StartsWith("Microsoft.AspNetCore.Server.IIS", StringComparison.Ordinal));

        // Workflow versions and retry jitter hash without SHA-256, so OpenSSL stays unloaded without HTTPS or API keys.
        Assert.DoesNotContain(mapped, name => name.StartsWith("libcrypto", StringComparison.Ordinal) || name.StartsWith("libssl", StringComparison.Ordinal));

        // Invariant globalization: time zone names resolve through the CLDR table, and nothing else needs ICU's data.
        Assert.DoesNotContain(mapped, name => name.StartsWith("libicuuc", StringComparison.Ordinal) || name.StartsWith("libicui18n", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>The file names of the assemblies and native libraries mapped into the process.</summary>
    private static HashSet<string> MappedAssemblies(int processId)
        => File.ReadLines($"/proc/{processId}/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length > 5 && fields[^1].StartsWith('/'))
            .Select(fields => Path.GetFileName(fields[^1]))
            .ToHashSet(StringComparer.Ordinal);
}
