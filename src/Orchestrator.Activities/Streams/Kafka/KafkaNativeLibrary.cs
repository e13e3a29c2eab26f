using System.Reflection;
using System.Runtime.InteropServices;

namespace Orchestrator.Activities.Streams.Kafka;

/// <summary>
/// Loads librdkafka from the files the librdkafka.redist package ships, once per process, and makes
/// <c>[DllImport("librdkafka")]</c> resolve to that one handle. The package's default Linux build needs
/// <c>libsasl2.so.3</c>, which some distributions (Debian 12) do not have; its CentOS 8 build in the same folder does
/// not, so it is the fallback. Confluent's <c>Library.Load(path)</c> is not used: it opens <c>libdl</c> by that name,
/// which newer glibc no longer installs.
/// </summary>
public static class KafkaNativeLibrary
{
    /// <summary>The library name Confluent.Kafka (and the test fixture) import.</summary>
    public const string Name = "librdkafka";

    private static readonly Lazy<(nint Handle, string Path)> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lock Gate = new();
    private static readonly HashSet<Assembly> Resolving = [];

    /// <summary>The loaded library (loading it on first use); throws <see cref="DllNotFoundException"/> naming every file tried.</summary>
    public static nint Handle => Loaded.Value.Handle;

    /// <summary>The file the library was loaded from.</summary>
    public static string LoadedFrom => Loaded.Value.Path;

    /// <summary>Loads the library and routes Confluent.Kafka's imports and this assembly's to it. Cheap after the first call.</summary>
    public static void EnsureLoaded()
    {
        _ = Handle;
        ResolveFor(typeof(Confluent.Kafka.Library).Assembly);
        ResolveFor(typeof(KafkaNativeLibrary).Assembly);
    }

    /// <summary>Makes <paramref name="assembly"/>'s imports of <see cref="Name"/> resolve to <see cref="Handle"/>.</summary>
    public static void ResolveFor(Assembly assembly)
    {
        lock (Gate)
        {
            if (!Resolving.Add(assembly))
            {
                return;
            }

            try
            {
                NativeLibrary.SetDllImportResolver(assembly, Resolve);
            }
            catch (InvalidOperationException)
            {
                // The host set a resolver of its own for this assembly first; its choice stands.
            }
        }
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
        => name == Name ? Handle : 0;

    private static (nint, string) Load()
    {
        var failures = new List<string>();
        foreach (var path in Candidates())
        {
            if (!File.Exists(path))
            {
                continue;
            }

            try
            {
                return (NativeLibrary.Load(path), path);
            }
            catch (DllNotFoundException e)
            {
                failures.Add($"{path}: {e.Message}");
            }
        }

        throw new DllNotFoundException(failures.Count == 0
            ? $"librdkafka not found under {AppContext.BaseDirectory} (runtimes/{RuntimeFolder()}/native): the librdkafka.redist package's files are missing from the output"
            : $"librdkafka could not be loaded: {string.Join("; ", failures)}");
    }

    /// <summary>Each build the package ships, in order of preference, in the output's runtimes folder and next to the assembly.</summary>
    private static IEnumerable<string> Candidates()
    {
        string[] files = OperatingSystem.IsWindows() ? ["librdkafka.dll"]
            : OperatingSystem.IsMacOS() ? ["librdkafka.dylib"]
            : ["librdkafka.so", "centos8-librdkafka.so", "alpine-librdkafka.so"];
        var folders = new[] { AppContext.BaseDirectory, Path.GetDirectoryName(typeof(Confluent.Kafka.Library).Assembly.Location) }
            .Where(f => !string.IsNullOrEmpty(f))
            .Select(f => f!)
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        foreach (var file in files)
        {
            foreach (var folder in folders)
            {
                yield return Path.Combine(folder, "runtimes", RuntimeFolder(), "native", file);
                yield return Path.Combine(folder, file);
            }
        }
    }

    private static string RuntimeFolder()
    {
        var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        var architecture = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x64",
            Architecture.Arm64 => "arm64",
            Architecture.X86 => "x86",
            var other => other.ToString().ToLowerInvariant(),
        };
        return $"{os}-{architecture}";
    }
}
