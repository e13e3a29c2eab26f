using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;
using Orchestrator.Activities.Streams.Kafka;

namespace Orchestrator.Testing;

/// <summary>
/// librdkafka's mock cluster: brokers speaking the real Kafka protocol on loopback ports, inside this process, started
/// through librdkafka's C API. Topics must be created here before a client touches them (the mock has no topic admin;
/// a topic a client names first is auto-created with four partitions). Each partition keeps only its last
/// <see cref="PartitionLogBytes"/>: older records are dropped and the log start moves on (keep a test's or benchmark's
/// data per partition below it). Error injection is cluster-wide, so a test that injects errors takes a cluster of its
/// own. Never list consumer groups against it: the mock aborts the process.
/// </summary>
public sealed class KafkaMockCluster : IDisposable
{
    private const int ProducerType = 0; // RD_KAFKA_PRODUCER
    private readonly Lock _gate = new();
    private nint _client;
    private nint _cluster;

    private KafkaMockCluster(nint client, nint cluster, string bootstrapServers)
    {
        _client = client;
        _cluster = cluster;
        BootstrapServers = bootstrapServers;
    }

    /// <summary>How much of each partition's log the mock broker keeps (librdkafka's fixed 5 MiB).</summary>
    public const long PartitionLogBytes = 5 * 1024 * 1024;

    /// <summary>Kafka protocol request types, for <see cref="PushRequestErrors"/>.</summary>
    public static class ApiKeys
    {
        public const short Produce = 0;
        public const short Fetch = 1;
        public const short ListOffsets = 2;
        public const short Metadata = 3;
        public const short OffsetCommit = 8;
        public const short OffsetFetch = 9;
        public const short ConsumerGroupHeartbeat = 68;
    }

    /// <summary>The brokers' loopback addresses, for <c>bootstrap.servers</c>.</summary>
    public string BootstrapServers { get; }

    /// <summary>Starts a cluster of <paramref name="brokers"/> brokers (ids 1..n; broker 1 is the controller).</summary>
    public static KafkaMockCluster Start(int brokers = 3)
    {
        KafkaNativeLibrary.EnsureLoaded();
        KafkaNativeLibrary.ResolveFor(typeof(KafkaMockCluster).Assembly);

        var error = new byte[512];
        var conf = Native.ConfNew();
        // The mock's own client only logs its brokers' chatter; errors are enough.
        if (Native.ConfSet(conf, "log_level", "3", error, (nuint)error.Length) != 0)
        {
            Native.ConfDestroy(conf);
            throw new InvalidOperationException($"rd_kafka_conf_set: {Text(error)}");
        }

        var client = Native.New(ProducerType, conf, error, (nuint)error.Length);
        if (client == 0)
        {
            Native.ConfDestroy(conf); // not taken over on failure
            throw new InvalidOperationException($"rd_kafka_new: {Text(error)}");
        }

        var cluster = Native.MockClusterNew(client, brokers);
        if (cluster == 0)
        {
            Native.Destroy(client);
            throw new InvalidOperationException("rd_kafka_mock_cluster_new failed");
        }

        // Without a controller, admin requests wait for one forever.
        Native.MockSetControllerId(cluster, 1);
        // Group members (KIP-848) learn of a new assignment at their next heartbeat: the mock's 3 s default would
        // make every rebalance in a test that slow.
        Native.MockSetGroupConsumerHeartbeatInterval(cluster, 500);
        var bootstraps = Marshal.PtrToStringUTF8(Native.MockClusterBootstraps(cluster))
                         ?? throw new InvalidOperationException("rd_kafka_mock_cluster_bootstraps returned nothing");
        return new KafkaMockCluster(client, cluster, bootstraps);
    }

    /// <summary>
    /// How long a group member that stopped heartbeating (a killed process) keeps its partitions; the mock's default
    /// is Kafka's 45 s.
    /// </summary>
    public void SetGroupSessionTimeout(TimeSpan timeout)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_cluster == 0, this);
            Native.MockSetGroupConsumerSessionTimeout(_cluster, (int)timeout.TotalMilliseconds);
        }
    }

    /// <summary>A topic name no other test uses.</summary>
    public static string UniqueName(string prefix = "test") => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>Creates <paramref name="topic"/> with <paramref name="partitions"/> partitions, one replica each.</summary>
    public string CreateTopic(string topic, int partitions = 3)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_cluster == 0, this);
            Check(Native.MockTopicCreate(_cluster, topic, partitions, 1), $"rd_kafka_mock_topic_create({topic})");
        }

        return topic;
    }

    /// <summary>Creates a topic with a fresh unique name and returns the name.</summary>
    public string CreateUniqueTopic(int partitions = 3, string prefix = "test") => CreateTopic(UniqueName(prefix), partitions);

    /// <summary>
    /// Makes the next <paramref name="errors"/>.Length requests of type <paramref name="apiKey"/> (see
    /// <see cref="ApiKeys"/>) to any broker fail with those errors, in order.
    /// </summary>
    public void PushRequestErrors(short apiKey, params ErrorCode[] errors)
    {
        var codes = errors.Select(e => (int)e).ToArray();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_cluster == 0, this);
            Native.MockPushRequestErrorsArray(_cluster, apiKey, (nuint)codes.Length, codes);
        }
    }

    /// <summary>Makes broker <paramref name="brokerId"/> the coordinator of consumer group <paramref name="group"/>.</summary>
    public void SetGroupCoordinator(string group, int brokerId)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_cluster == 0, this);
            Check(Native.MockCoordinatorSet(_cluster, "group", group, brokerId), $"rd_kafka_mock_coordinator_set({group})");
        }
    }

    /// <summary>
    /// Holds every response of broker <paramref name="brokerId"/> back by <paramref name="delay"/> (zero: none). The
    /// broker still handles each request when it arrives; only the answer is late.
    /// </summary>
    public void SetBrokerDelay(int brokerId, TimeSpan delay)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_cluster == 0, this);
            Check(Native.MockBrokerSetRtt(_cluster, brokerId, (int)delay.TotalMilliseconds), $"rd_kafka_mock_broker_set_rtt({brokerId})");
        }
    }

    /// <summary>From now on the brokers record the requests they receive, for <see cref="CountRequests"/>.</summary>
    public void StartRequestTracking()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_cluster == 0, this);
            Native.MockStartRequestTracking(_cluster);
        }
    }

    /// <summary>Requests of type <paramref name="apiKey"/> (see <see cref="ApiKeys"/>) the brokers received since tracking started.</summary>
    public int CountRequests(short apiKey)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_cluster == 0, this);
            var requests = Native.MockGetRequests(_cluster, out var count);
            try
            {
                var found = 0;
                for (nuint i = 0; i < count; i++)
                {
                    if (Native.MockRequestApiKey(Marshal.ReadIntPtr(requests, (int)i * IntPtr.Size)) == apiKey)
                    {
                        found++;
                    }
                }

                return found;
            }
            finally
            {
                if (requests != 0)
                {
                    Native.MockRequestDestroyArray(requests, count);
                }
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_cluster != 0)
            {
                Native.MockClusterDestroy(_cluster);
                _cluster = 0;
            }

            if (_client != 0)
            {
                Native.Destroy(_client);
                _client = 0;
            }
        }
    }

    private static void Check(int error, string call)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"{call} failed: {(ErrorCode)error}");
        }
    }

    private static string Text(byte[] buffer)
    {
        var end = Array.IndexOf(buffer, (byte)0);
        return Encoding.UTF8.GetString(buffer, 0, end < 0 ? buffer.Length : end);
    }

    /// <summary>librdkafka's C API; resolved to the handle <see cref="KafkaNativeLibrary"/> loaded.</summary>
    private static class Native
    {
        [DllImport(KafkaNativeLibrary.Name, EntryPoint = "rd_kafka_conf_new")]
        public static extern nint ConfNew();

        [DllImport(KafkaNativeLibrary.Name, EntryPoint = "rd_kafka_conf_destroy")]
        public static extern void ConfDestroy(nint conf);

        [DllImport(KafkaNativeLibrary.Name, EntryPoint = "rd_kafka_conf_set")]
        public static extern int ConfSet(
            nint conf,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string name,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string value,
            byte[] error,
            nuint errorSize);

        [DllImport(KafkaNativeLibrary.Name, EntryPoint = "rd_kafka_new")]
        public static extern nint New(int type, nint conf, byte[] error, nuint errorSize);

        [DllImport(KafkaNativeLibrary.Name, EntryPoint = "rd_kafka_destroy")]
        public static extern void Destroy(nint client);

        [DllImport(KafkaNativeLibrary.Name, EntryPoint = "rd_kafka_mock_cluster_new")]
        public static extern nint MockClusterNew(nint client, int brokers);

        [DllImport(KafkaNativeLibrary.Name, EntryPoint = "rd_kafka_mock_cluster_destroy")]
        public static extern void MockClusterDestroy(nint cluster);

        [DllImport(KafkaNativeLibrary.Name, EntryPoint = "rd_kafka_mock_cluster_bootstraps")]
        public static extern nint MockClusterBootstraps(nint cluster);

        [DllImport(KafkaNativeLibrary.Name, EntryPoint = "rd_kafka_mock_set_controller_id")]
        public static extern void MockSetControllerId(nint cluster, int brokerId);

        [DllImport(KafkaNativeLibrary.Name, EntryPoint = "rd_kafka_mock_set_group_consumer_heartbeat_interval_ms")]
        public static extern void MockSetGroupConsumerHeartbeatInterval(nint cluster, int milliseconds);

        [DllImport(KafkaNativeLibrary.Name, EntryPoint = "rd_kafka_mock_set_group_consumer_session_timeout_ms")]
        public static extern void MockSetGroupConsumerSessionTimeout(nint cluster, int milliseconds);

        [DllImport(KafkaNativeLibrary.Name, EntryPoint = "rd_kafka_mock_topic_create")]
        public static extern int MockTopicCreate(nint cluster, [MarshalAs(UnmanagedType.LPUTF8Str)] string topic, int partitions, int replicationFactor);

        [DllImport(KafkaNativeLibrary.Name, EntryPoint = "rd_kafka_mock_coordinator_set")]
        public static extern int MockCoordinatorSet(
            nint cluster, [MarshalAs(UnmanagedType.LPUTF8Str)] string keyType, [MarshalAs(UnmanagedType.LPUTF8Str)] string key, int brokerId);

        [DllImport(KafkaNativeLibrary.Name, EntryPoint = "rd_kafka_mock_broker_set_rtt")]
        public static extern int MockBrokerSetRtt(nint cluster, int brokerId, int milliseconds);

        [DllImport(KafkaNativeLibrary.Name, EntryPoint = "rd_kafka_mock_start_request_tracking")]
        public static extern void MockStartRequestTracking(nint cluster);

        [DllImport(KafkaNativeLibrary.Name, EntryPoint = "rd_kafka_mock_get_requests")]
        public static extern nint MockGetRequests(nint cluster, out nuint count);

        [DllImport(KafkaNativeLibrary.Name, EntryPoint = "rd_kafka_mock_request_api_key")]
        public static extern short MockRequestApiKey(nint request);

        [DllImport(KafkaNativeLibrary.Name, EntryPoint = "rd_kafka_mock_request_destroy_array")]
        public static extern void MockRequestDestroyArray(nint requests, nuint count);

        [DllImport(KafkaNativeLibrary.Name, EntryPoint = "rd_kafka_mock_push_request_errors_array")]
        public static extern void MockPushRequestErrorsArray(nint cluster, short apiKey, nuint count, int[] errors);
    }
}
