using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Activities.Core;
using Orchestrator.Core.Connections;

namespace Orchestrator.Activities.Spark;

[Activity("spark.submit", Category = "Spark",
    Description = "Runs spark-submit for an application (jar or Python file) with master, deploy mode, name and --conf settings, streaming its output " +
                  "into the task log. A non-zero exit fails the attempt with the last output lines; cancellation kills the process tree.")]
public sealed partial class SparkSubmitActivity : Activity<SparkSubmitActivity.Input, SparkSubmitActivity.Output>
{
    public const string DefaultExecutable = "spark-submit";

    public sealed record Input
    {
        [Description("The application: a jar or .py file (relative to the data directory, or a URI Spark reads).")]
        [MinLength(1)]
        public required string Application { get; init; }

        [Description("Arguments passed to the application, after it.")]
        public IReadOnlyList<string>? Args { get; init; }

        [Description("--master: local[*], yarn, spark://host:7077, k8s://https://host:443.")]
        public string? Master { get; init; }

        [Description("--deploy-mode: client or cluster.")]
        [RegularExpression("^(client|cluster)$")]
        public string? DeployMode { get; init; }

        [Description("--name: the application name shown by Spark.")]
        public string? Name { get; init; }

        [Description("--class: the main class of a jar application.")]
        public string? MainClass { get; init; }

        [Description("Spark properties, each passed as --conf key=value (spark.executor.memory: \"2g\").")]
        public IReadOnlyDictionary<string, JsonElement>? Conf { get; init; }

        [Description("--packages: Maven coordinates of dependencies.")]
        public IReadOnlyList<string>? Packages { get; init; }

        [Description("--jars: jars added to the classpaths.")]
        public IReadOnlyList<string>? Jars { get; init; }

        [Description("--py-files: .zip, .egg or .py files added to the PYTHONPATH.")]
        public IReadOnlyList<string>? PyFiles { get; init; }

        [Description("Environment variables for spark-submit (SPARK_HOME, HADOOP_CONF_DIR...).")]
        public IReadOnlyDictionary<string, string>? Env { get; init; }

        [Description("The spark-submit executable: a name looked up in PATH or a path. Default: $SPARK_HOME/bin/spark-submit when SPARK_HOME is set, else spark-submit.")]
        public string? Executable { get; init; }

        [Description("How many of the last output lines to keep in lastLines (and in a failure's message). Default 20.")]
        [Range(0, 1000)]
        public int? TailLines { get; init; }
    }

    public sealed record Output
    {
        [Description("The exit code of spark-submit.")]
        public required int ExitCode { get; init; }

        [Description("The arguments given to spark-submit, secret --conf values masked.")]
        public required IReadOnlyList<string> Arguments { get; init; }

        [Description("The last tailLines lines of output.")]
        public required IReadOnlyList<string> LastLines { get; init; }
    }

    protected override async Task<Output> ExecuteAsync(Input input, ActivityContext context)
    {
        var arguments = Arguments(input, mask: false);
        var shown = Arguments(input, mask: true);
        var executable = input.Executable
            ?? (Environment.GetEnvironmentVariable("SPARK_HOME") is { Length: > 0 } home ? Path.Combine(home, "bin", DefaultExecutable) : DefaultExecutable);
        Submitting(context.Logger, executable, string.Join(' ', shown));

        var shellInput = new JsonObject
        {
            ["executable"] = executable,
            ["args"] = new JsonArray(arguments.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray()),
            ["tailLines"] = input.TailLines ?? 20,
        };
        if (input.Env is { Count: > 0 } env)
        {
            shellInput["env"] = new JsonObject(env.Select(e => KeyValuePair.Create(e.Key, (JsonNode?)JsonValue.Create(e.Value))));
        }

        // core.shell owns process running: streamed lines, the tail, the process-tree kill on cancellation.
        IActivity shell = new ShellActivity();
        ActivityResult result;
        try
        {
            result = await shell.ExecuteAsync(shellInput, context).ConfigureAwait(false);
        }
        catch (ActivityFailedException e) when (e is not ActivityInputException)
        {
            throw new ActivityFailedException($"spark-submit of {input.Application} failed: {e.Message}", e);
        }

        var outputs = result.Outputs;
        return new Output
        {
            ExitCode = (int)outputs["exitCode"]!,
            Arguments = shown,
            LastLines = outputs["lastLines"]!.AsArray().Select(l => (string)l!).ToArray(),
        };
    }

    /// <summary>The spark-submit command line after the executable, in spark-submit's documented order.</summary>
    internal static IReadOnlyList<string> Arguments(Input input, bool mask)
    {
        var args = new List<string>();

        void Option(string name, string? value)
        {
            if (value is { Length: > 0 })
            {
                args.Add(name);
                args.Add(value);
            }
        }

        Option("--master", input.Master);
        Option("--deploy-mode", input.DeployMode);
        Option("--name", input.Name);
        Option("--class", input.MainClass);
        Option("--packages", input.Packages is { Count: > 0 } packages ? string.Join(',', packages) : null);
        Option("--jars", input.Jars is { Count: > 0 } jars ? string.Join(',', jars) : null);
        Option("--py-files", input.PyFiles is { Count: > 0 } pyFiles ? string.Join(',', pyFiles) : null);
        foreach (var (key, value) in input.Conf ?? new Dictionary<string, JsonElement>())
        {
            var text = mask && SecretSettings.IsSecret(key) ? SecretSettings.Mask : ConfValue(key, value);
            args.Add("--conf");
            args.Add($"{key}={text}");
        }

        args.Add(input.Application);
        args.AddRange(input.Args ?? []);
        return args;
    }

    private static string ConfValue(string key, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => throw new ActivityInputException($"conf '{key}' is {value.ValueKind.ToString().ToLower(CultureInfo.InvariantCulture)}; give a string, number or boolean"),
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "{Executable} {Arguments}")]
    private static partial void Submitting(ILogger logger, string executable, string arguments);
}
