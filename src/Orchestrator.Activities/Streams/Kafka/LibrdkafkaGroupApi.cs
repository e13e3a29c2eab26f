using System.Reflection;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace Orchestrator.Activities.Streams.Kafka;

/// <summary>
/// The group member's epoch, which Confluent.Kafka does not expose: read from librdkafka's group metadata (rdkafka.h)
/// through the client's native handle.
/// </summary>
internal static class LibrdkafkaGroupApi
{
    // Confluent.Kafka keeps the native handle of a client internal; without it the epoch is unknown (null).
    private static readonly PropertyInfo? NativeHandle =
        typeof(Handle).GetProperty("LibrdkafkaHandle", BindingFlags.Instance | BindingFlags.NonPublic);

    /// <summary>
    /// The member's epoch in its group (KIP-848) as librdkafka knows it: above 0 once the coordinator answered its join,
    /// 0 or below before that (and again once it left or was fenced); null when it cannot be read.
    /// </summary>
    public static int? MemberEpoch(Handle handle)
    {
        if (NativeHandle?.GetValue(handle) is not SafeHandle native || native.IsInvalid || native.IsClosed)
        {
            return null;
        }

        var added = false;
        try
        {
            native.DangerousAddRef(ref added);
            var metadata = rd_kafka_consumer_group_metadata(native.DangerousGetHandle());
            if (metadata == 0)
            {
                return null;
            }

            try
            {
                return rd_kafka_consumer_group_metadata_generation_id(metadata);
            }
            finally
            {
                rd_kafka_consumer_group_metadata_destroy(metadata);
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or EntryPointNotFoundException)
        {
            return null;
        }
        finally
        {
            if (added)
            {
                native.DangerousRelease();
            }
        }
    }

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    private static extern nint rd_kafka_consumer_group_metadata(nint client);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    private static extern int rd_kafka_consumer_group_metadata_generation_id(nint metadata);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    private static extern void rd_kafka_consumer_group_metadata_destroy(nint metadata);
}
