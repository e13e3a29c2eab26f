namespace Orchestrator.Core.Engine;

/// <summary>One Windows time zone id, the IANA zone it stands for, and every IANA id that maps to it.</summary>
/// <param name="IanaId">CLDR's zone for the Windows id (territory 001), sometimes an older tzdb name (Asia/Calcutta).</param>
/// <param name="LinkTarget">The zone <paramref name="IanaId"/> links to in tzdb when it is a link (Asia/Kolkata), else null.</param>
internal sealed record WindowsZone(string WindowsId, string IanaId, string? LinkTarget, IReadOnlyList<string> IanaIds);

/// <summary>
/// The Unicode CLDR mapping between Windows time zone ids and IANA ids (<c>windowsZones.txt</c>, generated from ICU by
/// <c>tests/tools/windows-zones.cs</c>). The runtime converts between the two kinds of id through ICU, which a process
/// with invariant globalization does not load; this table gives every host the same answer, with ICU or without.
/// Lookups ignore letter case.
/// </summary>
internal sealed class WindowsZoneTable
{
    private readonly Dictionary<string, WindowsZone> _byWindowsId = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, (string Id, WindowsZone Zone)> _byIanaId = new(StringComparer.OrdinalIgnoreCase);

    private WindowsZoneTable(TextReader lines)
    {
        while (lines.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var fields = line.Split('\t');
            var zone = new WindowsZone(fields[0], fields[1], fields[2].Length > 0 ? fields[2] : null, fields[3].Split(' '));
            _byWindowsId.Add(zone.WindowsId, zone);
            foreach (var id in zone.IanaIds)
            {
                _byIanaId.Add(id, (id, zone));
            }
        }
    }

    /// <summary>Read on first use: a server with no scheduled workflow never reads it.</summary>
    public static WindowsZoneTable Instance => Loaded.Table;

    public IReadOnlyCollection<WindowsZone> Zones => _byWindowsId.Values;

    public bool TryGetByWindowsId(string windowsId, out WindowsZone? zone) => _byWindowsId.TryGetValue(windowsId, out zone);

    /// <summary>The Windows zone an IANA id maps to, and the IANA id as the table spells it.</summary>
    public bool TryGetByIanaId(string ianaId, out string? id, out WindowsZone? zone)
    {
        var found = _byIanaId.TryGetValue(ianaId, out var entry);
        (id, zone) = found ? entry : (null, null);
        return found;
    }

    /// <summary>
    /// The ids to ask the system's time zone store for, best first: IANA ids on Unix (zone files), Windows ids on
    /// Windows (the registry). A name of the host's own kind is read as that kind first (<c>UTC</c> is both).
    /// </summary>
    public IEnumerable<string> SystemIds(string name, bool windowsHost)
    {
        var isIana = TryGetByIanaId(name, out var ianaId, out var ianaZone);
        var isWindows = TryGetByWindowsId(name, out var windowsZone);
        if (windowsHost)
        {
            yield return isWindows ? windowsZone!.WindowsId : isIana ? ianaZone!.WindowsId : name;
            yield break;
        }

        if (isIana)
        {
            yield return ianaId!;
        }
        else if (isWindows)
        {
            yield return windowsZone!.IanaId;
            if (windowsZone.LinkTarget is { } target)
            {
                yield return target;
            }
        }
        else
        {
            yield return name;
        }
    }

    private static class Loaded
    {
        public static readonly WindowsZoneTable Table = Read();

        private static WindowsZoneTable Read()
        {
            using var stream = typeof(WindowsZoneTable).Assembly.GetManifestResourceStream("Orchestrator.Core.Engine.windowsZones.txt")
                ?? throw new InvalidOperationException("The time zone table is missing from the assembly.");
            using var reader = new StreamReader(stream);
            return new WindowsZoneTable(reader);
        }
    }
}
