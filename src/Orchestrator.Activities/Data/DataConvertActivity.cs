using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Activities.Data;

[Activity("data.convert", Category = "Data",
    Description = "Converts one file between csv, json, jsonl and parquet with DuckDB (types inferred from csv and json, kept from parquet).")]
public sealed partial class DataConvertActivity : Activity<DataConvertActivity.ConvertInput, DataConvertActivity.ConvertOutput>
{
    public sealed record ConvertInput
    {
        [Description("The file to convert, relative to the data directory.")]
        [MinLength(1)]
        public required string Input { get; init; }

        [Description("The input's format when the extension does not tell: csv, json, jsonl or parquet.")]
        public string? InputFormat { get; init; }

        [Description("The file to write, relative to the data directory.")]
        [MinLength(1)]
        public required string Output { get; init; }

        [Description("The output's format when the extension does not tell: csv, json, jsonl or parquet.")]
        public string? Format { get; init; }
    }

    public sealed record ConvertOutput
    {
        [Description("The file written.")]
        public required string Path { get; init; }

        [Description("Rows written.")]
        public required long Rows { get; init; }

        [Description("The output's format.")]
        public required string Format { get; init; }
    }

    protected override async Task<ConvertOutput> ExecuteAsync(ConvertInput input, ActivityContext context)
    {
        using var session = DuckSession.Open(context);
        var from = session.CreateView("__input", input.Input, input.InputFormat);
        var (_, to, rows) = await session.CopyToAsync("SELECT * FROM \"__input\"", input.Output, input.Format).ConfigureAwait(false);
        Converted(context.Logger, rows, DuckSql.Name(from), DuckSql.Name(to), input.Output);
        return new ConvertOutput { Path = input.Output, Rows = rows, Format = DuckSql.Name(to) };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "converted {Rows} rows from {From} to {To} in {Path}")]
    private static partial void Converted(ILogger logger, long rows, string from, string to, string path);
}
