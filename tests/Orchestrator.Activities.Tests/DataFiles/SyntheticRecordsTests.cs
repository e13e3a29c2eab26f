using Orchestrator.Activities.Generation;
using Orchestrator.Core.Activities;

namespace Orchestrator.Activities.Tests.DataFiles;

public sealed class SyntheticRecordsTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    private static List<string> Take(string dataset, int seed, int count)
        => SyntheticRecords.Generate(dataset, seed, i => Start.AddSeconds(i)).Take(count).Select(r => r.ToJsonString()).ToList();

    [Theory]
    [InlineData("transactions")]
    [InlineData("weather")]
    [InlineData("population")]
    [InlineData("agriculture")]
    public void Generate_GivesTheSameRecords_ForTheSameSeed_AndOthersForAnother(string dataset)
    {
        Assert.Equal(Take(dataset, 7, 50), Take(dataset, 7, 50));
        Assert.NotEqual(Take(dataset, 7, 50), Take(dataset, 8, 50));
    }

    [Fact]
    public void Transactions_HaveTheSeedFieldsWithinTheirRanges()
    {
        var records = SyntheticRecords.Generate("transactions", 2, i => Start.AddMinutes(i)).Take(2000).ToList();

        Assert.All(records, r =>
        {
            Assert.InRange((double)r["amount"]!, 5, 750);
            Assert.Contains((string)r["status"]!, new[] { "APPROVED", "DECLINED", "PENDING", "REFUNDED" });
            Assert.Equal(["transaction_id", "timestamp", "amount", "currency", "category", "merchant", "city", "status", "customer_id", "card_id"], r.Select(p => p.Key));
        });
        Assert.Equal(2000, records.Select(r => (string)r["transaction_id"]!).Distinct().Count());
        Assert.Equal("2026-11-23T10:05:00.000Z", (string)records[5]["timestamp"]!);
        Assert.True(records.Count(r => (string)r["status"]! == "APPROVED") > 1500, "most transactions are approved");
    }

    [Fact]
    public void Generate_NamesTheKnownDatasets_WhenOneIsUnknown()
        => Assert.Contains("transactions, weather, agriculture, population",
            Assert.Throws<ActivityFailedException>(() => SyntheticRecords.Generate("sales", 1, _ => Start).First()).Message);
}
