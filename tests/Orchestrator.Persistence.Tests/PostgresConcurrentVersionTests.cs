using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Core.Storage;

namespace Orchestrator.Persistence.Tests;

/// <summary>
/// Nodes that start together on one database load the same workflows folder and store the same versions at the
/// same moment: one insert wins, the others find the version stored and change nothing.
/// </summary>
public sealed class PostgresConcurrentVersionTests
{
    [Fact]
    public async Task SaveAsync_StoresTheVersionOnce_WhenSeveralNodesSaveItAtOnce()
    {
        await using var provider = await PostgresDatabase.OpenAsync();
        var versions = provider.GetRequiredService<IWorkflowVersionStore>();

        for (var round = 0; round < 20; round++)
        {
            var version = new WorkflowVersionRecord("orders", $"v{round}", "{}", Samples.T0);
            await System.Threading.Tasks.Task.WhenAll(Enumerable.Range(0, 8).Select(_ => System.Threading.Tasks.Task.Run(() => versions.SaveAsync(version, CancellationToken.None))));

            Assert.Equal(version, await versions.FindAsync("orders", version.Version, CancellationToken.None));
        }

        Assert.Equal(20, (await versions.ListAsync("orders", CancellationToken.None)).Count);
    }
}
