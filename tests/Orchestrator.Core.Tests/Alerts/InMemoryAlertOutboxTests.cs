using Orchestrator.Core.Alerts;
using Orchestrator.Core.Model;

namespace Orchestrator.Core.Tests.Alerts;

public sealed class InMemoryAlertOutboxTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static AlertRecord Alert(string key, DateTimeOffset at) => new()
    {
        Id = Guid.NewGuid(),
        Key = key,
        Event = AlertEvent.TaskFailed,
        Channel = "email:ops",
        WorkflowId = "wf",
        TaskId = "load",
        OccurredAt = at,
        NextAttemptAt = at,
    };

    [Fact]
    public async Task Claim_FoldsARepeatIntoTheAlertItRepeats_WhenWithinTheThrottleWindow()
    {
        var outbox = new InMemoryAlertOutbox();
        var first = Alert("a", Start);
        Assert.Equal(2, await outbox.AddAsync([first, Alert("b", Start.AddMinutes(1)), Alert("a", Start)], CancellationToken.None));

        var claimed = await outbox.ClaimAsync(new AlertClaim("node", 10, Start.AddMinutes(2), Start.AddMinutes(4), TimeSpan.FromHours(1)), CancellationToken.None);

        Assert.Equal(first.Id, Assert.Single(claimed).Id);
        Assert.True(await outbox.CompleteAsync(new AlertDeliveryResult(first.Id, "node", Start, Start, null, null), CancellationToken.None));
        var details = await outbox.FindAsync(first.Id, CancellationToken.None);
        Assert.Equal(AlertState.Sent, details!.Alert.State);
        Assert.Equal(2, details.Alert.Occurrences);
        Assert.Equal(AlertState.Throttled, Assert.Single(details.Throttled).State);
        Assert.Null(await outbox.NextDueAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Complete_SchedulesTheRetryThenGivesUp_WhenDeliveriesFail()
    {
        var outbox = new InMemoryAlertOutbox();
        var alert = Alert("a", Start);
        await outbox.AddAsync([alert], CancellationToken.None);
        var claim = new AlertClaim("node", 10, Start, Start.AddMinutes(2), TimeSpan.Zero);

        Assert.Single(await outbox.ClaimAsync(claim, CancellationToken.None));
        await outbox.CompleteAsync(new AlertDeliveryResult(alert.Id, "node", Start, Start, "down", Start.AddSeconds(10)), CancellationToken.None);
        Assert.Equal(Start.AddSeconds(10), await outbox.NextDueAsync(CancellationToken.None));
        Assert.Empty(await outbox.ClaimAsync(claim, CancellationToken.None));
        Assert.Single(await outbox.ClaimAsync(claim with { Now = Start.AddSeconds(10) }, CancellationToken.None));
        await outbox.CompleteAsync(new AlertDeliveryResult(alert.Id, "node", Start, Start, "rejected", null), CancellationToken.None);

        var details = await outbox.FindAsync(alert.Id, CancellationToken.None);
        Assert.Equal(AlertState.Failed, details!.Alert.State);
        Assert.Equal("rejected", details.Alert.LastError);
        Assert.Equal([false, false], details.Deliveries.Select(d => d.Sent));
    }
}
