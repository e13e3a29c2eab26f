using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Server.Hosting;
using Orchestrator.Server.Tests.Support;

namespace Orchestrator.Server.Tests.Hosting;

/// <summary>
/// The idle trim collects once a burst of allocations is followed by a quiet interval, never while the node keeps
/// allocating, and not again until another burst; the server runs it.
/// </summary>
public sealed class IdleMemoryTrimTests
{
    private const long Mb = 1 << 20;

    [Fact]
    public void Policy_TrimsOnce_WhenAQuietIntervalFollowsABurst()
    {
        var policy = new IdleMemoryTrim.Policy(0);
        Assert.Equal([false, true, false, false], Ticks(policy, 40 * Mb, 40 * Mb, 40 * Mb, 40 * Mb + IdleMemoryTrim.QuietBytes));
    }

    [Fact]
    public void Policy_Waits_WhileTheNodeKeepsAllocating()
    {
        var policy = new IdleMemoryTrim.Policy(0);
        Assert.Equal([false, false, false, false, false, true], Ticks(policy, 2 * Mb, 4 * Mb, 6 * Mb, 8 * Mb, 20 * Mb, 20 * Mb));
    }

    [Fact]
    public void Policy_LeavesTheHeapAlone_WhenLittleWasAllocatedSinceTheLastTrim()
    {
        var policy = new IdleMemoryTrim.Policy(0);
        Assert.Equal([false, true], Ticks(policy, 20 * Mb, 20 * Mb));
        Assert.All(Ticks(policy, [.. Enumerable.Range(1, 15).Select(i => 20 * Mb + i * Mb)]), Assert.False);
        Assert.True(policy.Tick(20 * Mb + 16 * Mb));
    }

    [Fact]
    public async Task Trim_Runs_WhenTheClockPassesAQuietIntervalAfterTheStart()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var trimmed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reads = new SemaphoreSlim(0);
        var allocated = IdleMemoryTrim.BurstBytes;
        using var trim = new IdleMemoryTrim(clock, () =>
        {
            reads.Release();
            return allocated;
        }, trimmed.SetResult);
        await trim.StartAsync(CancellationToken.None);
        Assert.True(await reads.WaitAsync(TestServer.Patience), "the trim did not start");

        clock.Advance(IdleMemoryTrim.Interval);
        await trimmed.Task.WaitAsync(TestServer.Patience);
        await trim.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Server_RunsTheIdleTrim()
    {
        var root = Directory.CreateTempSubdirectory("orchestrator-trim-").FullName;
        try
        {
            await using var server = await TestServer.StartAsync(root);
            Assert.Contains(server.Services.GetServices<IHostedService>(), service => service is IdleMemoryTrim);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static bool[] Ticks(IdleMemoryTrim.Policy policy, params long[] allocated) => [.. allocated.Select(policy.Tick)];
}
