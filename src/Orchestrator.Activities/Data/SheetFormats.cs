using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using MiniExcelLibs;
using Orchestrator.Core.Activities;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;

namespace Orchestrator.Activities.Data;

/// <summary>The formats DuckDB does not read or write, for data.convert: xlsx (first sheet, header row), xml and yaml.</summary>
public enum SheetFormat
{
    /// <summary>An Excel workbook: the first sheet, a header row, one row per record.</summary>
    Xlsx,

    /// <summary>A root element whose children are records, each child of a record a field: &lt;rows&gt;&lt;row&gt;&lt;id&gt;1&lt;/id&gt;&lt;/row&gt;&lt;/rows&gt;.</summary>
    Xml,

    /// <summary>A sequence of mappings, one per record.</summary>
    Yaml,
}

public static class SheetFormats
{
    /// <summary>The sheet format the explicit format or the extension names, or null for the formats DuckDB handles.</summary>
    public static SheetFormat? Of(string path, string? format) => (format ?? Path.GetExtension(path).TrimStart('.')).ToLowerInvariant() switch
    {
        "xlsx" => SheetFormat.Xlsx,
        "xml" => SheetFormat.Xml,
        "yaml" or "yml" => SheetFormat.Yaml,
        _ => null,
    };

    public static string Name(SheetFormat format) => format.ToString().ToLowerInvariant();

    /// <summary>The records of a sheet file, values as the file holds them (text in xml and yaml is typed: numbers, booleans, null).</summary>
    public static IReadOnlyList<Dictionary<string, object?>> Read(string path, SheetFormat format) => format switch
    {
        SheetFormat.Xlsx => MiniExcel.Query(path, useHeaderRow: true)
            .Select(row => ((IDictionary<string, object?>)row).ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal))
            .ToArray(),
        SheetFormat.Xml => XDocument.Load(path).Root?.Elements()
            .Select(row => row.Elements().ToDictionary(f => XmlConvert.DecodeName(f.Name.LocalName), f => Typed(f.IsEmpty ? null : f.Value), StringComparer.Ordinal))
            .ToArray() ?? [],
        _ => ReadYaml(path),
    };

    /// <summary>Writes records with the given columns; values are strings, numbers, booleans, dates or null.</summary>
    public static async Task WriteAsync(Stream stream, SheetFormat format, IReadOnlyList<string> columns, IReadOnlyList<Dictionary<string, object?>> rows, CancellationToken cancellationToken)
    {
        switch (format)
        {
            case SheetFormat.Xlsx:
                await MiniExcel.SaveAsAsync(stream, rows, cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            case SheetFormat.Xml:
                var document = new XDocument(new XElement("rows", rows.Select(row => new XElement("row",
                    columns.Select(c => row[c] is { } value ? new XElement(XmlConvert.EncodeLocalName(c), Text(value)) : new XElement(XmlConvert.EncodeLocalName(c)))))));
                await document.SaveAsync(stream, SaveOptions.None, cancellationToken).ConfigureAwait(false);
                break;
            default:
                var yaml = new SerializerBuilder().Build().Serialize(rows.Select(row => columns.ToDictionary(c => c, c => row[c] is { } value ? (object)value : null!)).ToList());
                await stream.WriteAsync(Encoding.UTF8.GetBytes(yaml), cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    private static IReadOnlyList<Dictionary<string, object?>> ReadYaml(string path)
    {
        using var reader = File.OpenText(path);
        var stream = new YamlStream();
        stream.Load(reader);
        if (stream.Documents.Count == 0)
        {
            return [];
        }

        if (stream.Documents[0].RootNode is not YamlSequenceNode sequence)
        {
            throw new ActivityFailedException($"'{path}' is not a yaml sequence of records");
        }

        return sequence.Children.Select(item => item is YamlMappingNode mapping
                ? mapping.Children.ToDictionary(
                    p => ((YamlScalarNode)p.Key).Value ?? "",
                    p => p.Value is YamlScalarNode scalar ? Typed(scalar.Style == YamlDotNet.Core.ScalarStyle.Plain ? PlainScalar(scalar.Value) : scalar.Value, scalar.Style == YamlDotNet.Core.ScalarStyle.Plain) : p.Value.ToString(),
                    StringComparer.Ordinal)
                : throw new ActivityFailedException($"'{path}' has an item that is not a mapping"))
            .ToArray();
    }

    private static string? PlainScalar(string? value) => value is null or "~" or "null" or "Null" or "NULL" or "" ? null : value;

    /// <summary>Text as the number, boolean or null it spells, else as text.</summary>
    private static object? Typed(string? text, bool infer = true)
    {
        if (text is null || !infer)
        {
            return text;
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole))
        {
            return whole;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        return text switch { "true" => true, "false" => false, _ => text };
    }

    private static string Text(object value) => value switch
    {
        bool flag => flag ? "true" : "false",
        DateTime time => time.ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset time => time.ToString("O", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
