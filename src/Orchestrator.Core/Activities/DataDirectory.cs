namespace Orchestrator.Activities;

/// <summary>The working directory of activities. Relative paths resolve inside it and may not escape it.</summary>
public sealed class DataDirectory
{
    public DataDirectory(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    /// <summary>Resolves a path relative to the data directory; throws when it points outside.</summary>
    public string Resolve(string path)
    {
        var full = Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(Root, path));
        var rootWithSeparator = Root.EndsWith(Path.DirectorySeparatorChar) ? Root : Root + Path.DirectorySeparatorChar;
        if (full != Root && !full.StartsWith(rootWithSeparator, StringComparison.Ordinal))
        {
            throw new ActivityFailedException($"path '{path}' is outside the data directory");
        }

        return full;
    }

    /// <summary>Resolves a path and creates its parent directory, for files an activity writes.</summary>
    public string ResolveForWrite(string path)
    {
        var full = Resolve(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        return full;
    }
}
