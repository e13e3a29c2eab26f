using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orchestrator.Activities;
using Orchestrator.Activities.Alerts;
using Orchestrator.Core;
using Orchestrator.Core.Alerts;
using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;
using Orchestrator.Core.Storage;
using Orchestrator.Persistence;
using Orchestrator.Persistence.Postgres;
using Orchestrator.Persistence.Sqlite;
using Orchestrator.Server.Alerts;
using Orchestrator.Server.Hosting;
using Orchestrator.Testing;

namespace Orchestrator.Benchmarks;

/// <summary>
/// Alert delivery throughput: N alerts in the outbox (SQLite, then PostgreSQL), drained by the real dispatcher
/// through MailKit into a local SMTP server (aiosmtpd) and through the webhook sender into a local HTTP receiver.
/// Measures the outbox bookkeeping (claim, lease, delivery record) plus rendering and sending, one alert at a time.
/// </summary>
internal static class AlertBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var count = args is ["--alerts", var n, ..] ? int.Parse(n, CultureInfo.InvariantCulture) : 500;
        await using var inbox = await SmtpInbox.StartNewAsync();
        await using var webhook = new WebhookReceiver();
        Console.WriteLine($"Alert delivery benchmark ({Environment.ProcessorCount} cores, {count} alerts per line, one dispatcher)");
        foreach (var database in new[] { BenchDatabase.Sqlite, BenchDatabase.Postgres })
        {
            foreach (var channel in new[] { "email:bench", "slack:bench" })
            {
                await MeasureAsync(database, channel, count, inbox, webhook);
            }
        }
    }

    private static async Task MeasureAsync(BenchDatabase database, string channel, int count, SmtpInbox inbox, WebhookReceiver webhook)
    {
        var directory = Directory.CreateTempSubdirectory("orchestrator-alert-bench-").FullName;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>(inbox.ChannelSettings("bench", "bench@example.com", "oncall@example.com"))
        {
            ["Orchestrator:Alerts:Channels:bench-slack:type"] = "slack",
            ["Orchestrator:Alerts:Channels:bench-slack:webhookUrl"] = webhook.Url(),
        }).Build();
        var collection = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration);
        if (database == BenchDatabase.Postgres)
        {
            collection.AddPostgresStore(await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync("alerts"));
        }
        else
        {
            collection.AddSqliteStore(Path.Combine(directory, "bench.db"));
        }

        await using var services = collection.AddOrchestratorCore(directory).AddOrchestratorActivities().BuildServiceProvider();
        await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
        var outbox = services.GetRequiredService<IAlertOutbox>();
        var time = TimeProvider.System;
        var target = channel == "slack:bench" ? "slack:bench-slack" : channel;
        var now = time.GetUtcNow();
        await outbox.AddAsync(Enumerable.Range(0, count).Select(i => new AlertRecord
        {
            Id = Guid.CreateVersion7(),
            Key = $"bench/{i}/{target}",
            Event = AlertEvent.TaskFailed,
            Channel = target,
            WorkflowId = "bench",
            RunId = Guid.CreateVersion7(),
            TaskId = $"task-{i}",
            Attempt = 1,
            OccurredAt = now,
            NextAttemptAt = now,
            Error = "disk full",
        }).ToList(), CancellationToken.None);

        var dispatcher = new AlertDispatcher(
            outbox,
            services.GetRequiredService<IAlertNotifier>(),
            services.GetRequiredService<ITaskLogStore>(),
            Options.Create(new AlertOptions { ThrottleWindow = TimeSpan.Zero }),
            Options.Create(new OrchestratorOptions { PublicUrl = "http://127.0.0.1:8080" }),
            new WorkerSettings { Name = "bench" },
            new Orchestrator.Server.Observability.OrchestratorMetrics(),
            time,
            NullLogger<AlertDispatcher>.Instance);
        var before = channel == "email:bench" ? inbox.Messages().Count : webhook.Requests.Count;
        var clock = Stopwatch.StartNew();
        var delivered = 0;
        while (delivered < count)
        {
            var attempts = await dispatcher.DispatchAsync(CancellationToken.None);
            if (attempts == 0)
            {
                throw new InvalidOperationException($"the outbox ran dry after {delivered} of {count} alerts");
            }

            delivered += attempts;
        }

        clock.Stop();
        var received = (channel == "email:bench" ? inbox.Messages().Count : webhook.Requests.Count) - before;
        Console.WriteLine($"  {database,-8} {target,-18} {count / clock.Elapsed.TotalSeconds,8:F0} alerts/s  ({clock.Elapsed.TotalMilliseconds / count:F2} ms each, {received} received)");
        await services.DisposeAsync(); // closes the pooled connections to bench.db before its directory goes
        Directory.Delete(directory, recursive: true);
    }
}
