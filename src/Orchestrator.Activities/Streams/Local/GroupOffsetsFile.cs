using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orchestrator.Activities.Streams.Local;

/// <summary>A group's committed next offsets of one topic, by partition: <c>_groups/&lt;group&gt;.json</c>.</summary>
internal sealed record GroupOffsets(string Group, string Topic, Dictionary<int, long> Offsets, DateTimeOffset CommittedAt);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, IndentSize = 2)]
[JsonSerializable(typeof(GroupOffsets))]
internal sealed partial class LocalStreamJsonContext : JsonSerializerContext;

/// <summary>Reads and replaces a group's offsets file; a replacement is whole or absent, never half written.</summary>
internal static class GroupOffsetsFile
{
    public static GroupOffsets? Read(string path)
    {
        try
        {
            // Share delete: a commit may replace the file while it is open here (Windows).
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return JsonSerializer.Deserialize(stream, LocalStreamJsonContext.Default.GroupOffsets);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException e)
        {
            throw new StreamException($"the committed offsets in {path} are not readable: {e.Message}", e);
        }
    }

    /// <summary>Writes a temporary file next to the target, flushes it to disk, and renames it over the target.</summary>
    public static void Write(string path, GroupOffsets offsets)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                JsonSerializer.Serialize(stream, offsets, LocalStreamJsonContext.Default.GroupOffsets);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
