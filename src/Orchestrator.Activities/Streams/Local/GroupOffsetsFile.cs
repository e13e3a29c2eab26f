using System.Text.Json;
using System.Text.Json.Serialization;
using Orchestrator.Activities.DataFiles;

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

    /// <summary>Replaces the file durably: a commit survives a crash once it returned, and is never half written.</summary>
    public static void Write(string path, GroupOffsets offsets)
        => DurableFile.Write(path, stream => JsonSerializer.Serialize(stream, offsets, LocalStreamJsonContext.Default.GroupOffsets));
}
