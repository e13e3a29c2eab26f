using System.Security.Cryptography;
using System.Text;

namespace Orchestrator.Activities.Streams.Local;

/// <summary>
/// The files of one topic under the root: the log of its one partition, the producers' lock, and per consumer group a
/// committed-offsets file and a membership lock.
/// </summary>
internal sealed class TopicFiles
{
    /// <summary>The local log has one partition per topic.</summary>
    public const int Partition = 0;

    /// <summary>Kafka's limit: a topic folder name must also leave room for the broker's partition suffix.</summary>
    public const int MaxTopicLength = 249;

    // Group ids are free text in Kafka; file names are not. Longer encoded names are cut and made unique by a hash.
    private const int MaxGroupFileNameLength = 180;

    private TopicFiles(string topic, string directory)
    {
        Topic = topic;
        Directory = directory;
        Log = Path.Combine(directory, "0.jsonl");
        AppendLock = Path.Combine(directory, "0.lock");
        GroupsDirectory = Path.Combine(directory, "_groups");
    }

    public string Topic { get; }

    public string Directory { get; }

    /// <summary>Partition 0: one JSON record per line, offsets from 0, dense.</summary>
    public string Log { get; }

    /// <summary>Held exclusively by the one producer appending at a time, in any process.</summary>
    public string AppendLock { get; }

    public string GroupsDirectory { get; }

    public static TopicFiles Of(string root, string topic)
    {
        ValidateTopic(topic);
        return new TopicFiles(topic, Path.Combine(root, topic));
    }

    /// <summary>The group's committed next offsets of this topic.</summary>
    public string GroupOffsets(string group) => Path.Combine(GroupsDirectory, GroupFileName(group) + ".json");

    /// <summary>Held exclusively by the group's member that reads this topic (Kafka gives a partition to one member).</summary>
    public string GroupLock(string group) => Path.Combine(GroupsDirectory, GroupFileName(group) + ".lock");

    /// <summary>Kafka's rules: 1 to 249 of <c>[a-zA-Z0-9._-]</c>, and not <c>.</c> or <c>..</c>.</summary>
    public static void ValidateTopic(string? topic)
    {
        if (string.IsNullOrEmpty(topic))
        {
            throw new StreamException("topic name is empty");
        }

        if (topic.Length > MaxTopicLength)
        {
            throw new StreamException($"topic name '{topic[..20]}…' is {topic.Length} characters long; the limit is {MaxTopicLength}");
        }

        if (topic is "." or "..")
        {
            throw new StreamException($"topic name '{topic}' is not allowed");
        }

        var bad = topic.AsSpan().IndexOfAnyExcept(TopicCharacters);
        if (bad >= 0)
        {
            throw new StreamException(
                $"topic name '{topic}' contains '{topic[bad]}' at position {bad}; a topic name may contain only ASCII letters, digits, '.', '_' and '-'");
        }
    }

    private static readonly System.Buffers.SearchValues<char> TopicCharacters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

    /// <summary>The group id as a portable file name: topic characters kept, every other byte of its UTF-8 as <c>%XX</c>.</summary>
    internal static string GroupFileName(string group)
    {
        var name = new StringBuilder(group.Length);
        foreach (var b in Encoding.UTF8.GetBytes(group))
        {
            var c = (char)b;
            if (b < 0x80 && TopicCharacters.Contains(c))
            {
                name.Append(c);
            }
            else
            {
                name.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        // "." and ".." are not file names of their own; a leading dot would also hide the files.
        if (name.Length > 0 && name[0] == '.')
        {
            name.Remove(0, 1).Insert(0, "%2E");
        }

        if (name.Length <= MaxGroupFileNameLength)
        {
            return name.ToString();
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(group)))[..16];
        return name.ToString(0, MaxGroupFileNameLength - hash.Length - 1) + "~" + hash;
    }
}
