using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Orchestrator.Activities.DataFiles;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Connections;

namespace Orchestrator.Activities.Search;

[Activity("elasticsearch.index", Category = "Search",
    Description = "Indexes the records of a csv/json/jsonl/parquet file into an Elasticsearch (or OpenSearch) index with the bulk API, in batches. " +
                  "Reports per-document errors with their ids and fails when more than maxErrors documents are rejected.")]
public sealed partial class ElasticsearchIndexActivity(ConnectionCatalog connections, IHttpClientFactory httpClientFactory)
    : Activity<ElasticsearchIndexActivity.Input, ElasticsearchIndexActivity.Output>
{
    /// <summary>The named client the activity uses; hosts may configure it (certificates, proxies).</summary>
    public const string HttpClientName = "elasticsearch";

    private const int KeptErrors = 10;
    private const int MessageErrors = 3;
    private const int MessageBodyChars = 500;

    public sealed record Input
    {
        [Description("The cluster: an http connection (baseUrl, and username/password or an apiKey setting).")]
        [ConnectionInput(ConnectionTypes.Http)]
        [MinLength(1)]
        public required string Connection { get; init; }

        [Description("The index (or alias, or data stream) to write to.")]
        [MinLength(1)]
        public required string Index { get; init; }

        [Description("The file of records, relative to the data directory (csv, json, jsonl or parquet).")]
        [MinLength(1)]
        public required string Path { get; init; }

        [Description("The file's format when its extension does not tell: csv, json, jsonl or parquet.")]
        public string? Format { get; init; }

        [Description("The field whose value becomes the document _id (indexing again then replaces instead of duplicating). Default: ids chosen by Elasticsearch.")]
        public string? IdField { get; init; }

        [Description("Documents per bulk request. Default 1000.")]
        [Range(1, 100_000)]
        public int? BatchSize { get; init; }

        [Description("The bulk API's refresh: true, false (default) or wait_for (the documents are searchable when the task ends).")]
        [RegularExpression("^(true|false|wait_for)$")]
        public string? Refresh { get; init; }

        [Description("How many rejected documents are tolerated before the task fails. Default 0.")]
        [Range(0, long.MaxValue)]
        public long? MaxErrors { get; init; }
    }

    public sealed record Output
    {
        [Description("The index written.")]
        public required string Index { get; init; }

        [Description("Documents sent.")]
        public required long Count { get; init; }

        [Description("Documents the cluster accepted.")]
        public required long Indexed { get; init; }

        [Description("Documents the cluster rejected.")]
        public required long Errors { get; init; }

        [Description("Bulk requests sent.")]
        public required int Batches { get; init; }

        [Description("The first rejected documents (at most 10), with their ids and the cluster's reasons.")]
        public required IReadOnlyList<ItemError> FirstErrors { get; init; }
    }

    /// <summary>One document the cluster rejected.</summary>
    public sealed record ItemError
    {
        [Description("The document's _id (from idField, or the one the cluster reported).")]
        public string? Id { get; init; }

        [Description("The record's position in the file, from 0.")]
        public required long Position { get; init; }

        [Description("The item's HTTP status.")]
        public required int Status { get; init; }

        [Description("The error type, such as mapper_parsing_exception.")]
        public string? Type { get; init; }

        [Description("The error reason.")]
        public string? Reason { get; init; }
    }

    protected override async Task<Output> ExecuteAsync(Input input, ActivityContext context)
    {
        var connection = connections.Get(input.Connection, ConnectionTypes.Http);
        var baseUrl = connection.Require("baseUrl").TrimEnd('/');
        var refresh = input.Refresh ?? "false";
        var uri = new Uri($"{baseUrl}/{Uri.EscapeDataString(input.Index)}/_bulk?refresh={refresh}");
        var batchSize = input.BatchSize ?? 1000;
        var maxErrors = input.MaxErrors ?? 0;
        var path = context.Data.Resolve(input.Path);
        var format = RecordFormats.Resolve(path, input.Format);
        var token = context.CancellationToken;

        var client = httpClientFactory.CreateClient(HttpClientName);
        // The engine owns timeouts through the cancellation token.
        client.Timeout = Timeout.InfiniteTimeSpan;
        var authorization = Authorization(connection);

        var batch = new Batch(input.IdField);
        var tally = new Tally();
        Indexing(context.Logger, path, input.Index, connection.ToString());
        long position = 0;
        await foreach (var record in RecordReader.ReadAsync(path, format, token).ConfigureAwait(false))
        {
            batch.Add(record, position++);
            if (batch.Count >= batchSize)
            {
                await SendAsync().ConfigureAwait(false);
            }
        }

        await SendAsync().ConfigureAwait(false);
        var output = new Output
        {
            Index = input.Index,
            Count = tally.Count,
            Indexed = tally.Count - tally.Errors,
            Errors = tally.Errors,
            Batches = tally.Batches,
            FirstErrors = tally.FirstErrors,
        };
        if (tally.Errors > maxErrors)
        {
            var first = string.Join("; ", tally.FirstErrors.Take(MessageErrors).Select(e =>
                $"{(e.Id is null ? "" : $"id '{e.Id}' ")}(record {e.Position}): {e.Status} {e.Type}: {e.Reason}"));
            throw new ActivityFailedException(connections.Mask(
                $"{tally.Errors} of {tally.Count} documents were rejected by index '{input.Index}' (maxErrors {maxErrors}); first: {first}"));
        }

        return output;

        async Task SendAsync()
        {
            if (batch.Count == 0)
            {
                return;
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = batch.Content() };
            request.Headers.Authorization = authorization;
            string body;
            int status;
            try
            {
                using var response = await client.SendAsync(request, token).ConfigureAwait(false);
                status = (int)response.StatusCode;
                body = await response.Content.ReadAsStringAsync(token).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    throw new ActivityFailedException(connections.Mask(
                        $"bulk request to index '{input.Index}' answered {status} {response.ReasonPhrase}: {Beginning(body)}"));
                }
            }
            catch (HttpRequestException e)
            {
                throw new ActivityFailedException(connections.Mask($"bulk request to {baseUrl} failed: {e.Message}"), e);
            }

            var rejected = tally.Add(batch, body);
            Sent(context.Logger, batch.Count, rejected, tally.Count);
            batch.Clear();
        }
    }

    private static AuthenticationHeaderValue? Authorization(Connection connection)
    {
        if (connection.Get("apiKey") is { Length: > 0 } apiKey)
        {
            return new AuthenticationHeaderValue("ApiKey", apiKey);
        }

        if (connection.Get("username") is { Length: > 0 } username)
        {
            var pair = Encoding.UTF8.GetBytes($"{username}:{connection.Get("password") ?? ""}");
            return new AuthenticationHeaderValue("Basic", Convert.ToBase64String(pair));
        }

        return null;
    }

    private static string Beginning(string text)
        => text.Length <= MessageBodyChars ? text : string.Concat(text.AsSpan(0, MessageBodyChars), "…");

    /// <summary>One bulk request being filled: NDJSON action and source lines, and what each item was.</summary>
    private sealed class Batch(string? idField)
    {
        private readonly MemoryStream _body = new();
        private readonly List<(string? Id, long Position)> _items = [];

        public int Count => _items.Count;

        public IReadOnlyList<(string? Id, long Position)> Items => _items;

        public void Add(JsonNode? record, long position)
        {
            string? id = null;
            if (idField is not null)
            {
                var value = (record as JsonObject)?[idField];
                id = value switch
                {
                    null => throw new ActivityFailedException($"record {position} has no '{idField}' (idField)"),
                    JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                    JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString(),
                    _ => throw new ActivityFailedException($"record {position}: '{idField}' (idField) is {value.GetValueKind()}, not a string or number"),
                };
            }

            if (record is not JsonObject)
            {
                throw new ActivityFailedException($"record {position} is not a JSON object; documents are objects");
            }

            using (var writer = new Utf8JsonWriter(_body))
            {
                writer.WriteStartObject();
                writer.WriteStartObject("index");
                if (id is not null)
                {
                    writer.WriteString("_id", id);
                }

                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            _body.WriteByte((byte)'\n');
            using (var writer = new Utf8JsonWriter(_body))
            {
                record.WriteTo(writer);
            }

            _body.WriteByte((byte)'\n');
            _items.Add((id, position));
        }

        public HttpContent Content()
        {
            var content = new ByteArrayContent(_body.ToArray());
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
            return content;
        }

        public void Clear()
        {
            _body.SetLength(0);
            _items.Clear();
        }
    }

    /// <summary>Counts over all batches and the first rejected items.</summary>
    private sealed class Tally
    {
        private readonly List<ItemError> _firstErrors = [];

        public long Count { get; private set; }

        public long Errors { get; private set; }

        public int Batches { get; private set; }

        public IReadOnlyList<ItemError> FirstErrors => _firstErrors;

        /// <summary>Reads a bulk response (items in request order); returns how many items it rejected.</summary>
        public int Add(Batch batch, string body)
        {
            JsonNode? response;
            try
            {
                response = JsonNode.Parse(body);
            }
            catch (JsonException e)
            {
                throw new ActivityFailedException($"the bulk response is not JSON: {Beginning(body)}", e);
            }

            Batches++;
            Count += batch.Count;
            if (response?["errors"]?.GetValueKind() != JsonValueKind.True)
            {
                return 0;
            }

            var items = response["items"] as JsonArray ?? [];
            var rejected = 0;
            for (var i = 0; i < items.Count; i++)
            {
                // Each item is { "<action>": { "_id", "status", "error"? } }.
                var result = (items[i] as JsonObject)?.FirstOrDefault().Value as JsonObject;
                if (result?["error"] is not { } error)
                {
                    continue;
                }

                rejected++;
                Errors++;
                if (_firstErrors.Count < KeptErrors)
                {
                    var (id, position) = i < batch.Items.Count ? batch.Items[i] : (null, -1);
                    _firstErrors.Add(new ItemError
                    {
                        Id = id ?? (string?)result["_id"],
                        Position = position,
                        Status = result["status"] is JsonValue s && s.TryGetValue<int>(out var status) ? status : 0,
                        Type = error is JsonObject ? (string?)error["type"] : null,
                        Reason = error is JsonObject ? (string?)error["reason"] : error.ToJsonString(),
                    });
                }
            }

            return rejected;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Indexing {Path} into {Index} over {Connection}")]
    private static partial void Indexing(ILogger logger, string path, string index, string connection);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bulk request of {Documents} documents: {Rejected} rejected; {Total} sent so far")]
    private static partial void Sent(ILogger logger, int documents, int rejected, long total);
}
