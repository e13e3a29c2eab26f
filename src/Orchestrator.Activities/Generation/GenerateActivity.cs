using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Orchestrator.Activities.DataFiles;
using Orchestrator.Core.Activities;

namespace Orchestrator.Activities.Generation;

[Activity("data.generate", Category = "Data",
    Description = "Writes a synthetic dataset of the reference pipelines (transactions, weather, agriculture, population) as csv, json, jsonl, parquet, " +
                  "yaml, xml or xlsx. The same seed gives the same bytes; dirtyRatio spoils a share of the rows (duplicates, missing values, values out of " +
                  "range, padded text) so that cleaning has work.")]
public sealed partial class GenerateActivity : Activity<GenerateActivity.Input, GenerateActivity.Output>
{
    public sealed record Input
    {
        [Description("transactions (seed 002), weather (seed 001), agriculture (seed 000) or population (seed 004).")]
        [AllowedValues("transactions", "weather", "agriculture", "population")]
        public required string Dataset { get; init; }

        [Description("Rows to generate (before dirty duplicates are added).")]
        [Range(1, 10_000_000)]
        public required int Rows { get; init; }

        [Description("The file to write, relative to the data directory.")]
        [MinLength(1)]
        public required string Path { get; init; }

        [Description("csv, json, jsonl, parquet, yaml, xml or xlsx; default from the path's extension.")]
        public string? Format { get; init; }

        [Description("Randomizer seed: the same seed gives the same file. Default 1.")]
        public int? Seed { get; init; }

        [Description("Share of rows spoiled for cleaning to find (0 to 0.5). Default 0.")]
        [Range(0.0, 0.5)]
        public double? DirtyRatio { get; init; }

        [Description("Timestamp of the first row. Default: the start of the run's data interval.")]
        public DateTimeOffset? Start { get; init; }

        [Description("Time between rows (ISO 8601 duration). Default: the run's data interval spread over the rows.")]
        public TimeSpan? Interval { get; init; }
    }

    public sealed record Output
    {
        [Description("The file written, relative to the data directory.")]
        public required string Path { get; init; }

        [Description("Rows written, dirty duplicates included.")]
        public required long Rows { get; init; }

        [Description("Rows spoiled, by kind: duplicate, missing, outOfRange, padded.")]
        public required IReadOnlyDictionary<string, long> Dirty { get; init; }

        [Description("Size of the file in bytes.")]
        public required long Bytes { get; init; }
    }

    protected override async Task<Output> ExecuteAsync(Input input, ActivityContext context)
    {
        var path = context.Data.Resolve(input.Path);
        var format = RecordFormats.Resolve(path, input.Format);
        if (format == RecordFormat.Text)
        {
            throw new ActivityInputException("a dataset is written as csv, json, jsonl, parquet, yaml, xml or xlsx");
        }

        var start = input.Start ?? context.Run.DataIntervalStart;
        var span = context.Run.DataIntervalEnd - context.Run.DataIntervalStart;
        var interval = input.Interval ?? (span > TimeSpan.Zero ? span / input.Rows : TimeSpan.FromSeconds(1));
        var seed = input.Seed ?? 1;
        var counts = new Dictionary<DirtKind, long>();
        var records = DirtyRecords.Spoil(
                SyntheticRecords.Generate(input.Dataset, seed, i => start + interval * i).Take(input.Rows),
                input.DirtyRatio ?? 0, seed, counts)
            .ToList();

        await RecordWriter.WriteAsync(path, format, records, null, context.CancellationToken).ConfigureAwait(false);
        var bytes = new FileInfo(path).Length;
        Generated(context.Logger, records.Count, input.Dataset, input.Path, counts.Values.Sum());
        return new Output
        {
            Path = System.IO.Path.GetRelativePath(context.Data.Root, path),
            Rows = records.Count,
            Dirty = Enum.GetValues<DirtKind>().ToDictionary(k => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(k.ToString()), k => counts.GetValueOrDefault(k)),
            Bytes = bytes,
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Rows} {Dataset} rows written to {Path} ({Dirty} spoiled)")]
    private static partial void Generated(ILogger logger, int rows, string dataset, string path, long dirty);
}
