namespace Orchestrator.Core.Activities;

/// <summary>
/// The working directory of activities. Relative paths resolve inside it and may not escape it, neither by
/// <c>..</c> nor through a symbolic link: containment is checked on the real path, links resolved.
/// </summary>
public sealed class DataDirectory
{
    private const int MaxLinks = 40;

    public DataDirectory(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    /// <summary>Resolves a path relative to the data directory; throws when it, or what it links to, is outside.</summary>
    public string Resolve(string path)
    {
        var full = Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(Root, path));
        if (!Contains(full) || !Contains(RealPath(full), RealPath(Root)))
        {
            throw new ActivityFailedException($"path '{path}' is outside the data directory");
        }

        return full;
    }

    /// <summary>Whether a full path lies inside the data directory, as written and with its links resolved.</summary>
    public bool IsInside(string fullPath) => Contains(fullPath) && Contains(RealPath(fullPath), RealPath(Root));

    /// <summary>Resolves a path and creates its parent directory, for files an activity writes.</summary>
    public string ResolveForWrite(string path)
    {
        var full = Resolve(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        return full;
    }

    private bool Contains(string full) => Contains(full, Root);

    private static bool Contains(string full, string root)
    {
        var rootWithSeparator = root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar;
        return full == root || full.StartsWith(rootWithSeparator, StringComparison.Ordinal);
    }

    /// <summary>
    /// The path with every symbolic link along it resolved (what the file system would open); the part that does not
    /// exist yet is kept as written. Too many links (a loop) count as outside.
    /// </summary>
    public static string RealPath(string fullPath)
    {
        var resolved = Path.GetPathRoot(fullPath)!;
        var parts = new Queue<string>(fullPath[resolved.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries));
        var links = 0;
        while (parts.TryDequeue(out var part))
        {
            var next = Path.Combine(resolved, part);
            var target = new FileInfo(next).LinkTarget;
            if (target is null)
            {
                resolved = next;
                continue;
            }

            if (++links > MaxLinks)
            {
                throw new ActivityFailedException($"path '{fullPath}' has too many symbolic links");
            }

            // The link's target replaces it; its own components are resolved in turn, followed by the rest.
            var absolute = Path.GetFullPath(target, resolved);
            resolved = Path.GetPathRoot(absolute)!;
            parts = new Queue<string>(absolute[resolved.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Concat(parts));
        }

        return resolved;
    }
}
