using System.Runtime.InteropServices;
using Orchestrator.Activities.Streams.Kafka;

namespace Orchestrator.Activities.Tests.Streams;

/// <summary>One librdkafka per process, from the package's files, for Confluent.Kafka and the test fixture alike.</summary>
public sealed class KafkaNativeLibraryTests
{
    [Fact]
    public void EnsureLoaded_LoadsAPackagedBuildThatConfluentUses_WhenCalled()
    {
        KafkaNativeLibrary.EnsureLoaded();

        Assert.Contains(Path.GetFileName(KafkaNativeLibrary.LoadedFrom), new[] { "librdkafka.so", "centos8-librdkafka.so", "alpine-librdkafka.so", "librdkafka.dylib", "librdkafka.dll" });
        Assert.NotEqual(0, NativeLibrary.GetExport(KafkaNativeLibrary.Handle, "rd_kafka_mock_cluster_new"));
        Assert.Equal("2.16.0", Confluent.Kafka.Library.VersionString); // answered through the resolved handle
    }

    [Fact]
    public void ResolveFor_RoutesTheAssemblysOwnImportsToTheLoadedLibrary_WhenCalledMoreThanOnce()
    {
        // Without the resolver this import would find the package's default build by itself, which may not load here.
        KafkaNativeLibrary.ResolveFor(typeof(KafkaNativeLibraryTests).Assembly);
        KafkaNativeLibrary.ResolveFor(typeof(KafkaNativeLibraryTests).Assembly); // a second resolver would throw

        Assert.Equal(Confluent.Kafka.Library.Version, Version());
    }

    [DllImport(KafkaNativeLibrary.Name, EntryPoint = "rd_kafka_version")]
    private static extern int Version();
}
