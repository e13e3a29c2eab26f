using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Activities;
using Orchestrator.Activities.Alerts;
using Orchestrator.Core;
using Orchestrator.Core.Alerts;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Persistence;
using Orchestrator.Persistence.Sqlite;
using Orchestrator.Server.Alerts;
using Orchestrator.Server.Hosting;
using Orchestrator.Testing;

namespace Orchestrator.Server.Tests.Alerts;

/// <summary>
/// The delivery policy on a fake clock, against a real SMTP server that is down and then up: exponential backoff
/// capped at MaxRetryDelay, giving up after GiveUpAfter, the log tail and run link in the message.
/// </summary>
public sealed class AlertDispatcherTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 3, 0, 0, TimeSpan.Zero);

    private readonly string _root = Directory.CreateTempSubdirectory("orchestrator-dispatch-").FullName;
    private readonly FakeTimeProvider _clock = new(Start);
    private SmtpInbox _inbox = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _inbox = await SmtpInbox.StartNewAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(_inbox.ChannelSettings("oncall", "orchestrator@example.com", "oncall@example.com")).Build();
        _services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton<TimeProvider>(_clock)
            .AddSqliteStore(Path.Combine(_root, "orchestrator.db"))
            .AddOrchestratorCore(Path.Combine(_root, "data"))
            .AddOrchestratorActivities()
            .BuildServiceProvider();
        await _services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync(); // closes the pooled connections to orchestrator.db
        await _inbox.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private IAlertOutbox Outbox => _services.GetRequiredService<IAlertOutbox>();

    private AlertDispatcher Dispatcher() => new(
        Outbox,
        _services.GetRequiredService<IAlertNotifier>(),
        _services.GetRequiredService<ITaskLogStore>(),
        Options.Create(new AlertOptions
        {
            RetryDelay = TimeSpan.FromSeconds(10),
            MaxRetryDelay = TimeSpan.FromSeconds(30),
            GiveUpAfter = TimeSpan.FromMinutes(2),
        }),
        Options.Create(new OrchestratorOptions { PublicUrl = "http://127.0.0.1:8080/" }),
        new WorkerSettings { Name = "node-1" },
        new Observability.OrchestratorMetrics(),
        _clock,
        NullLogger<AlertDispatcher>.Instance);

    private async Task<AlertRecord> AddAsync(Guid runId)
    {
        var alert = new AlertRecord
        {
            Id = Guid.CreateVersion7(),
            Key = $"task_failed/etl/{runId}/load/3/email:oncall",
            Event = AlertEvent.TaskFailed,
            Channel = "email:oncall",
            WorkflowId = "etl",
            RunId = runId,
            TaskId = "load",
            Attempt = 3,
            LogicalDate = Start.AddHours(-1),
            OccurredAt = _clock.GetUtcNow(),
            NextAttemptAt = _clock.GetUtcNow(),
            Error = "disk full",
        };
        await Outbox.AddAsync([alert], CancellationToken.None);
        return alert;
    }

    [Fact]
    public async Task Dispatch_RetriesWithCappedExponentialBackoff_ThenDeliversOnceTheServerIsBack()
    {
        var runId = Guid.CreateVersion7();
        var lines = Enumerable.Range(1, 60).Select(i => new TaskLogLine(runId, "load", 3, i, Start, Microsoft.Extensions.Logging.LogLevel.Information, $"line {i}")).ToList();
        await _services.GetRequiredService<ITaskLogStore>().AppendAsync(lines, CancellationToken.None);
        var alert = await AddAsync(runId);
        await _inbox.StopAsync();
        var dispatcher = Dispatcher();

        // Down: attempts at 0 s, +10 s, +20 s, +30 s (capped), each failing and scheduling the next.
        var waits = new List<TimeSpan>();
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(1, await dispatcher.DispatchAsync(CancellationToken.None));
            var next = (await Outbox.FindAsync(alert.Id, CancellationToken.None))!.Alert.NextAttemptAt!.Value;
            waits.Add(next - _clock.GetUtcNow());
            Assert.Equal(0, await dispatcher.DispatchAsync(CancellationToken.None));
            _clock.SetUtcNow(next);
        }

        Assert.Equal([TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30)], waits);

        await _inbox.StartAsync();
        Assert.Equal(1, await dispatcher.DispatchAsync(CancellationToken.None));
        Assert.Equal(0, await dispatcher.DispatchAsync(CancellationToken.None));

        var mail = Assert.Single(await _inbox.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30)));
        var details = (await Outbox.FindAsync(alert.Id, CancellationToken.None))!;
        Assert.Equal(AlertState.Sent, details.Alert.State);
        Assert.Equal([false, false, false, false, true], details.Deliveries.Select(d => d.Sent));
        Assert.Contains($"http://127.0.0.1:8080/runs/{runId}", mail.TextBody);
        Assert.Contains("line 60", mail.TextBody);
        Assert.Contains("line 11", mail.TextBody);
        Assert.DoesNotContain("line 10\n", mail.TextBody);
    }

    [Fact]
    public async Task Dispatch_GivesUp_WhenTheAlertStaysUndeliverableLongerThanGiveUpAfter()
    {
        var alert = await AddAsync(Guid.CreateVersion7());
        await _inbox.StopAsync();
        var dispatcher = Dispatcher();

        for (var i = 0; i < 20 && (await Outbox.FindAsync(alert.Id, CancellationToken.None))!.Alert is { State: AlertState.Pending, NextAttemptAt: { } next }; i++)
        {
            _clock.SetUtcNow(next);
            await dispatcher.DispatchAsync(CancellationToken.None);
        }

        var given = (await Outbox.FindAsync(alert.Id, CancellationToken.None))!;
        Assert.Equal(AlertState.Failed, given.Alert.State);
        Assert.True(_clock.GetUtcNow() - alert.OccurredAt >= TimeSpan.FromMinutes(2));
        Assert.Contains(_inbox.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), given.Alert.LastError);
        Assert.Null(given.Alert.NextAttemptAt);
        Assert.Null(await Outbox.NextDueAsync(CancellationToken.None));
    }
}
