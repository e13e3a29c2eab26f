using Orchestrator.Core.Engine;

namespace Orchestrator.Core.Tests.Engine;

/// <summary>
/// The committed CLDR table (src/Orchestrator.Core/Engine/windowsZones.txt) against the ICU this test process loads
/// (the tests keep globalization; the server and the CLI run without it and rely on the table).
/// </summary>
public sealed class WindowsZoneTableTests
{
    private const string Regenerate = "windowsZones.txt disagrees with this machine's ICU (the Unicode CLDR data it ships); "
        + "regenerate it with `dotnet run tests/tools/windows-zones.cs` from the repository root and commit the file";

    private static readonly WindowsZoneTable Table = WindowsZoneTable.Instance;

    [Fact]
    public void EveryEntry_MatchesIcuConversion_BothWays()
    {
        Assert.True(TimeZoneInfo.TryConvertWindowsIdToIanaId("Romance Standard Time", out _), "the test process has no ICU to compare with");
        var wrong = new List<string>();
        foreach (var zone in Table.Zones)
        {
            if (!TimeZoneInfo.TryConvertWindowsIdToIanaId(zone.WindowsId, out var iana) || iana != zone.IanaId)
            {
                wrong.Add($"{zone.WindowsId} -> {zone.IanaId} (ICU: {iana ?? "none"})");
            }

            foreach (var id in zone.IanaIds)
            {
                if (!TimeZoneInfo.TryConvertIanaIdToWindowsId(id, out var windows) || windows != zone.WindowsId)
                {
                    wrong.Add($"{id} -> {zone.WindowsId} (ICU: {windows ?? "none"})");
                }
            }
        }

        Assert.True(wrong.Count == 0, $"{Regenerate}: {string.Join("; ", wrong)}");
    }

    [Fact]
    public void EveryZoneFileIcuMaps_IsInTheTable_WithItsWindowsId()
    {
        Assert.True(TimeZoneInfo.TryConvertIanaIdToWindowsId("Europe/Paris", out _), "the test process has no ICU to compare with");
        var missing = new List<string>();
        foreach (var id in ZoneFileIds())
        {
            if (!TimeZoneInfo.TryConvertIanaIdToWindowsId(id, out var windows))
            {
                continue;
            }

            if (!Table.TryGetByIanaId(id, out var spelled, out var zone) || spelled != id || zone!.WindowsId != windows)
            {
                missing.Add($"{id} -> {windows}");
            }

            if (!Table.TryGetByWindowsId(windows, out var byWindows) || byWindows!.WindowsId != windows)
            {
                missing.Add($"Windows id {windows}");
            }
        }

        Assert.True(missing.Count == 0, $"{Regenerate}: missing {string.Join("; ", missing.Distinct())}");
    }

    [Fact]
    public void LinkTargets_AreTheZoneTheirCldrNameLinksTo()
    {
        var linked = Table.Zones.Where(z => z.LinkTarget is not null).ToList();
        Assert.Contains(linked, z => z is { WindowsId: "India Standard Time", IanaId: "Asia/Calcutta", LinkTarget: "Asia/Kolkata" });
        foreach (var zone in linked)
        {
            Assert.True(TimeZoneInfo.TryConvertIanaIdToWindowsId(zone.LinkTarget!, out var windows) && windows == zone.WindowsId, $"{Regenerate}: {zone.LinkTarget}");
            var (name, target) = (Path.Combine(ZoneInfo, zone.IanaId), Path.Combine(ZoneInfo, zone.LinkTarget!));
            if (File.Exists(name) && File.Exists(target))
            {
                Assert.True(File.ReadAllBytes(name).AsSpan().SequenceEqual(File.ReadAllBytes(target)), $"{Regenerate}: {zone.IanaId} is not {zone.LinkTarget}");
            }
        }
    }

    [Theory]
    [InlineData("Europe/Paris", false, "Europe/Paris")]
    [InlineData("europe/PARIS", false, "Europe/Paris")]
    [InlineData("asia/calcutta", false, "Asia/Calcutta")]
    [InlineData("Romance Standard Time", false, "Europe/Paris")]
    [InlineData("India Standard Time", false, "Asia/Calcutta Asia/Kolkata")]
    [InlineData("UTC", false, "UTC")]
    [InlineData("Mars/Olympus", false, "Mars/Olympus")]
    [InlineData("Europe/Paris", true, "Romance Standard Time")]
    [InlineData("US/Eastern", true, "Eastern Standard Time")]
    [InlineData("romance standard time", true, "Romance Standard Time")]
    [InlineData("UTC", true, "UTC")]
    [InlineData("Mars/Olympus", true, "Mars/Olympus")]
    public void SystemIds_AreTheHostsKindOfId(string name, bool windowsHost, string expected)
        => Assert.Equal(expected, string.Join(' ', Table.SystemIds(name, windowsHost)));

    private static string ZoneInfo => Environment.GetEnvironmentVariable("TZDIR") is { Length: > 0 } dir ? dir : "/usr/share/zoneinfo";

    /// <summary>The zone files' ids, aliases included (posix/ and right/ are other renderings of the same zones).</summary>
    private static IEnumerable<string> ZoneFileIds()
        => Directory.EnumerateFiles(ZoneInfo, "*", SearchOption.AllDirectories)
            .Select(file => (File: file, Id: Path.GetRelativePath(ZoneInfo, file).Replace('\\', '/')))
            .Where(z => !z.Id.StartsWith("posix/", StringComparison.Ordinal) && !z.Id.StartsWith("right/", StringComparison.Ordinal) && IsZoneFile(z.File))
            .Select(z => z.Id);

    private static bool IsZoneFile(string path)
    {
        Span<byte> magic = stackalloc byte[4];
        using var stream = File.OpenRead(path);
        return stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4 && magic.SequenceEqual("TZif"u8);
    }
}
