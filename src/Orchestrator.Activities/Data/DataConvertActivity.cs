using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Logging;
using Orchestrator.Activities.DataFiles;
using Orchestrator.Core.Activities;

namespace Orchestrator.Activities.Data;

[Activity("data.convert", Category = "Data",
    Description = "Converts one file between csv, json, jsonl and parquet with DuckDB (types inferred from csv and json, kept from parquet), and xlsx " +
                  "(first sheet, header row), xml (<rows><row><column>value</column></row></rows>) and yaml (a sequence of mappings).")]
public sealed partial class DataConvertActivity : Activity<DataConvertActivity.ConvertInput, DataConvertActivity.ConvertOutput>
{
    public sealed record ConvertInput
    {
        [Description("The file to convert, relative to the data directory.")]
        [MinLength(1)]
        public required string Input { get; init; }

        [Description("The input's format when the extension does not tell: csv, json, jsonl, parquet, xlsx, xml or yaml.")]
        public string? InputFormat { get; init; }

        [Description("The file to write, relative to the data directory.")]
        [MinLength(1)]
        public required string Output { get; init; }

        [Description("The output's format when the extension does not tell: csv, json, jsonl, parquet, xlsx, xml or yaml.")]
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
        string from;
        if (SheetFormats.Of(input.Input, input.InputFormat) is { } sheet)
        {
            var full = context.Data.Resolve(input.Input);
            if (!File.Exists(full))
            {
                throw new ActivityFailedException($"input '{input.Input}' does not exist");
            }

            session.CreateView("__input", SheetFormats.Read(full, sheet));
            from = SheetFormats.Name(sheet);
        }
        else
        {
            from = DuckSql.Name(session.CreateView("__input", input.Input, input.InputFormat));
        }

        string to;
        long rows;
        if (SheetFormats.Of(input.Output, input.Format) is { } target)
        {
            var full = context.Data.Resolve(input.Output);
            var (columns, values) = session.Values("SELECT * FROM \"__input\"");
            await DurableFile.WriteAsync(full, stream => SheetFormats.WriteAsync(stream, target, columns, values, context.CancellationToken), context.CancellationToken)
                .ConfigureAwait(false);
            (to, rows) = (SheetFormats.Name(target), values.Count);
        }
        else
        {
            var (_, format, count) = await session.CopyToAsync("SELECT * FROM \"__input\"", input.Output, input.Format).ConfigureAwait(false);
            (to, rows) = (DuckSql.Name(format), count);
        }

        Converted(context.Logger, rows, from, to, input.Output);
        return new ConvertOutput { Path = input.Output, Rows = rows, Format = to };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "converted {Rows} rows from {From} to {To} in {Path}")]
    private static partial void Converted(ILogger logger, long rows, string from, string to, string path);
}
