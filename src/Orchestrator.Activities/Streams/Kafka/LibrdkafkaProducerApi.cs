using System.Runtime.InteropServices;

namespace Orchestrator.Activities.Streams.Kafka;

/// <summary>The part of librdkafka's C API the producer uses (rdkafka.h); resolved to the library <see cref="KafkaNativeLibrary"/> loaded.</summary>
internal static unsafe class LibrdkafkaProducerApi
{
    public const int Producer = 0; // RD_KAFKA_PRODUCER
    public const int EventDeliveryReport = 0x1; // RD_KAFKA_EVENT_DR
    public const int EventLog = 0x4;
    public const int EventError = 0x8;
    public const int CopyPayload = 0x2; // RD_KAFKA_MSG_F_COPY
    public const int QueueFull = -184; // RD_KAFKA_RESP_ERR__QUEUE_FULL
    public const int TimedOut = -185; // RD_KAFKA_RESP_ERR__TIMED_OUT

    // rd_kafka_vtype_t
    public const int ArgumentTopicHandle = 2;
    public const int ArgumentPartition = 3;
    public const int ArgumentValue = 4;
    public const int ArgumentKey = 5;
    public const int ArgumentOpaque = 6;
    public const int ArgumentFlags = 7;
    public const int ArgumentTimestamp = 8;
    public const int ArgumentHeaders = 10;

    /// <summary>rd_kafka_vu_t: a type and a union padded to 64 bytes.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 72)]
    public struct Argument
    {
        [FieldOffset(0)] public int Type;
        [FieldOffset(8)] public nint Pointer;
        [FieldOffset(8)] public int Int32;
        [FieldOffset(8)] public long Int64;
        [FieldOffset(16)] public nuint Size;
    }

    /// <summary>rd_kafka_message_t.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Message
    {
        public int Error;
        public nint Topic;
        public int Partition;
        public nint Payload;
        public nuint Length;
        public nint Key;
        public nuint KeyLength;
        public long Offset;
        public nint Opaque;
    }

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern nint rd_kafka_conf_new();

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern void rd_kafka_conf_destroy(nint conf);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern int rd_kafka_conf_set(nint conf, byte[] name, byte[] value, byte* error, nuint errorSize);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern void rd_kafka_conf_set_events(nint conf, int events);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern nint rd_kafka_new(int type, nint conf, byte* error, nuint errorSize);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern void rd_kafka_destroy(nint client);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern nint rd_kafka_name(nint client);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern nint rd_kafka_topic_new(nint client, byte[] topic, nint conf);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern void rd_kafka_topic_destroy(nint topic);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern int rd_kafka_last_error();

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern nint rd_kafka_produceva(nint client, Argument* arguments, nuint count);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern int rd_kafka_error_code(nint error);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern void rd_kafka_error_destroy(nint error);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern nint rd_kafka_err2str(int code);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern int rd_kafka_fatal_error(nint client, byte* reason, nuint reasonSize);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern nint rd_kafka_headers_new(nuint initialCount);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern void rd_kafka_headers_destroy(nint headers);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern int rd_kafka_header_add(nint headers, byte* name, nint nameSize, byte* value, nint valueSize);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern int rd_kafka_flush(nint client, int timeoutMs);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern int rd_kafka_metadata(nint client, int allTopics, nint topic, nint* metadata, int timeoutMs);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern void rd_kafka_metadata_destroy(nint metadata);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern nint rd_kafka_queue_get_main(nint client);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern int rd_kafka_set_log_queue(nint client, nint queue);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern void rd_kafka_queue_destroy(nint queue);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern void rd_kafka_queue_yield(nint queue);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern nint rd_kafka_queue_poll(nint queue, int timeoutMs);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern int rd_kafka_event_type(nint item);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern nuint rd_kafka_event_message_array(nint item, Message** messages, nuint size);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern int rd_kafka_event_error(nint item);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern nint rd_kafka_event_error_string(nint item);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern int rd_kafka_event_error_is_fatal(nint item);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern int rd_kafka_event_log(nint item, byte** facility, byte** text, int* level);

    [DllImport(KafkaNativeLibrary.Name, ExactSpelling = true)]
    public static extern void rd_kafka_event_destroy(nint item);
}
