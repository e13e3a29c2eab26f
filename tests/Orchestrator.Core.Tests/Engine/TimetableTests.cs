using Orchestrator.Core.Engine;
using Orchestrator.Core.Model;

namespace Orchestrator.Core.Tests.Engine;

public sealed class TimetableTests
{
    private static WorkflowDefinition Scheduled(string cron, string zone = "UTC", DateTimeOffset? start = null, DateTimeOffset? end = null) => new()
    {
        Id = "wf",
        Schedule = new ScheduleDefinition { Cron = cron, Timezone = zone, Start = start, End = end },
        Tasks = [new TaskDefinition { Id = "a", Activity = "core.noop" }],
    };

    private static Timetable For(WorkflowDefinition definition, DateTimeOffset? firstSeen = null)
        => Timetable.For(definition, firstSeen ?? new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))!;

    private static DateTimeOffset Utc(int month, int day, int hour, int minute = 0, int second = 0) => new(2026, month, day, hour, minute, second, TimeSpan.Zero);

    [Fact]
    public void HourlyInParis_FiresEveryUtcHour_AcrossBothDstChanges()
    {
        var timetable = For(Scheduled("0 * * * *", "Europe/Paris"));

        foreach (var (from, to) in new[] { (Utc(3, 28, 22), Utc(3, 29, 4)), (Utc(10, 24, 22), Utc(10, 25, 4)) })
        {
            var ends = timetable.EndingBetween(from, to).Select(i => i.End).ToList();
            var expected = Enumerable.Range(1, 6).Select(h => from.AddHours(h)).ToList();
            Assert.Equal(expected, ends);
        }
    }

    [Fact]
    public void DailyAt0230InParis_FollowsLocalTime_AndFiresOnceOnDstDays()
    {
        var timetable = For(Scheduled("30 2 * * *", "Europe/Paris"));

        var spring = timetable.EndingBetween(Utc(3, 27, 12), Utc(3, 31, 12)).Select(i => i.End).ToList();
        Assert.Equal(4, spring.Count);
        Assert.Equal(Utc(3, 28, 1, 30), spring[0]);   // 02:30 CET
        Assert.InRange(spring[1], Utc(3, 29, 1), Utc(3, 29, 1, 30)); // 02:30 does not exist that night: once, right after the jump
        Assert.Equal(Utc(3, 30, 0, 30), spring[2]);   // 02:30 CEST
        Assert.Equal(Utc(3, 31, 0, 30), spring[3]);

        var autumn = timetable.EndingBetween(Utc(10, 23, 12), Utc(10, 27, 12)).Select(i => i.End).ToList();
        Assert.Equal([Utc(10, 24, 0, 30), Utc(10, 25, 0, 30), Utc(10, 26, 1, 30), Utc(10, 27, 1, 30)], autumn);
    }

    [Fact]
    public void Intervals_AreContiguous_AndTheLogicalDateIsTheStart()
    {
        var definition = Scheduled("0 */6 * * *");
        var intervals = For(definition).EndingBetween(Utc(1, 1, 0), Utc(1, 2, 0)).ToList();

        Assert.Equal([Utc(1, 1, 0), Utc(1, 1, 6), Utc(1, 1, 12), Utc(1, 1, 18)], intervals.Select(i => i.Start));
        Assert.All(intervals.Zip(intervals.Skip(1)), pair => Assert.Equal(pair.First.End, pair.Second.Start));
        Assert.Equal(new DataInterval(Utc(1, 1, 6), Utc(1, 1, 12)), DataIntervals.ForLogicalDate(definition, Utc(1, 1, 6)));
    }

    [Fact]
    public void StartAndEnd_BoundTheLogicalDates()
    {
        var timetable = For(Scheduled("0 0 * * *", start: Utc(1, 3, 0), end: Utc(1, 5, 0)));

        Assert.Equal([Utc(1, 3, 0), Utc(1, 4, 0), Utc(1, 5, 0)], timetable.EndingBetween(Utc(1, 1, 0), Utc(1, 10, 0)).Select(i => i.Start));
        Assert.Equal([Utc(1, 3, 0), Utc(1, 4, 0), Utc(1, 5, 0)], timetable.StartingBetween(Utc(1, 1, 0), Utc(1, 10, 0)).Select(i => i.Start));
        Assert.Null(timetable.NextEndingAfter(Utc(1, 6, 0)));
        Assert.Null(timetable.LatestEndedBy(Utc(1, 3, 23)));
        Assert.Equal(new DataInterval(Utc(1, 5, 0), Utc(1, 6, 0)), timetable.LatestEndedBy(Utc(3, 1, 0)));
    }

    [Fact]
    public void NextEndingAfter_IsTheIntervalInProgress_AndLatestEndedBy_TheOneBefore()
    {
        var timetable = For(Scheduled("0 * * * *"));

        Assert.Equal(new DataInterval(Utc(1, 1, 10), Utc(1, 1, 11)), timetable.NextEndingAfter(Utc(1, 1, 10, 20)));
        Assert.Equal(new DataInterval(Utc(1, 1, 10), Utc(1, 1, 11)), timetable.NextEndingAfter(Utc(1, 1, 10)));
        Assert.Equal(new DataInterval(Utc(1, 1, 9), Utc(1, 1, 10)), timetable.LatestEndedBy(Utc(1, 1, 10, 20)));
        Assert.Equal(new DataInterval(Utc(1, 1, 9), Utc(1, 1, 10)), timetable.LatestEndedBy(Utc(1, 1, 10)));
    }

    [Fact]
    public void WithoutStart_TheScheduleStartsWhenFirstSeen()
    {
        var timetable = For(Scheduled("0 * * * *"), firstSeen: Utc(1, 1, 10, 20));

        Assert.Null(timetable.LatestEndedBy(Utc(1, 1, 11, 59)));
        Assert.Equal(new DataInterval(Utc(1, 1, 11), Utc(1, 1, 12)), timetable.NextEndingAfter(Utc(1, 1, 10, 20)));
        Assert.Equal([Utc(1, 1, 11), Utc(1, 1, 12)], timetable.EndingBetween(DateTimeOffset.MinValue, Utc(1, 1, 13)).Select(i => i.Start));
    }

    [Fact]
    public void EveryFiveSecondsSince1970_IsAnsweredAroundTheInstant_NotWalkedFromTheStart()
    {
        // 350 million intervals lie between the start and the instants asked about; walking them would not finish.
        var timetable = For(Scheduled("*/5 * * * * *", start: DateTimeOffset.UnixEpoch));
        var now = Utc(6, 15, 12, 0, 7);

        Assert.Equal(new DataInterval(Utc(6, 15, 12, 0, 0), Utc(6, 15, 12, 0, 5)), timetable.LatestEndedBy(now));
        Assert.Equal(new DataInterval(Utc(6, 15, 12, 0, 5), Utc(6, 15, 12, 0, 10)), timetable.NextEndingAfter(now));
        Assert.Equal(3, timetable.EndingBetween(now, now.AddSeconds(15)).Count());
        Assert.Equal(12, timetable.StartingBetween(Utc(6, 15, 12), Utc(6, 15, 12, 1)).Count());
    }

    [Fact]
    public void Unscheduled_HasNoTimetable_AndAnEmptyIntervalAtTheLogicalDate()
    {
        var definition = new WorkflowDefinition { Id = "wf", Tasks = [new TaskDefinition { Id = "a", Activity = "core.noop" }] };

        Assert.Equal(new DataInterval(Utc(1, 1, 10), Utc(1, 1, 10)), DataIntervals.ForLogicalDate(definition, Utc(1, 1, 10)));
        Assert.Null(Timetable.For(definition, Utc(1, 1, 0)));
    }
}
