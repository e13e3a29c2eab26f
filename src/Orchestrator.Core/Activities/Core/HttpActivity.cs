using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Orchestrator.Core.Activities.Core;

[Activity("core.http", Description = "Sends an HTTP request and fails unless the response status is accepted. Returns status, headers, body (at most 64 KiB) and the parsed JSON body.")]
public sealed partial class HttpActivity(IHttpClientFactory httpClientFactory) : Activity<HttpActivity.Input, HttpActivity.Output>
{
    /// <summary>The named client the activity uses; hosts may configure it (handlers, proxies, certificates).</summary>
    public const string HttpClientName = "core.http";

    /// <summary>The most body text an output carries: outputs are stored with the run and must stay small.</summary>
    public const int MaxBodyOutputBytes = 64 * 1024;

    private const int DefaultMaxResponseBytes = 1024 * 1024;
    private const int MessageBodyChars = 500;

    public sealed record Input
    {
        [Description("The absolute http or https URL.")]
        [MinLength(1)]
        public required string Url { get; init; }

        [Description("The HTTP method. Default GET.")]
        public string? Method { get; init; }

        [Description("Request headers, name to value. Content-Type here overrides the body's default.")]
        public IReadOnlyDictionary<string, string>? Headers { get; init; }

        [Description("The request body: a string is sent as-is (text/plain unless a Content-Type header is given); any other JSON value is sent as application/json.")]
        public JsonElement? Body { get; init; }

        [Description("Accepted response statuses: codes such as 404 and classes such as \"2xx\". Default: 2xx.")]
        public IReadOnlyList<JsonElement>? AcceptStatus { get; init; }

        [Description("The largest response body read, in bytes; a larger one fails the attempt. Default 1 MiB.")]
        [Range(1, int.MaxValue)]
        public int? MaxResponseBytes { get; init; }
    }

    public sealed record Output
    {
        [Description("The response status code.")]
        public required int Status { get; init; }

        [Description("Response headers, lower-case name to comma-joined values.")]
        public required IReadOnlyDictionary<string, string> Headers { get; init; }

        [Description("The response body as text, cut to 64 KiB.")]
        public required string Body { get; init; }

        [Description("Whether body was cut to 64 KiB.")]
        public required bool BodyTruncated { get; init; }

        [Description("The parsed body, when the response is JSON, parses, and fits in 64 KiB.")]
        public JsonElement? Json { get; init; }
    }

    protected override async Task<Output> ExecuteAsync(Input input, ActivityContext context)
    {
        var uri = ParseUrl(input.Url);
        var method = ParseMethod(input.Method);
        var accepted = StatusRanges.Parse(input.AcceptStatus);
        var maxResponseBytes = input.MaxResponseBytes ?? DefaultMaxResponseBytes;
        if (maxResponseBytes < 1)
        {
            throw new ActivityFailedException($"maxResponseBytes must be positive, not {maxResponseBytes}");
        }

        var cancellationToken = context.CancellationToken;
        using var request = new HttpRequestMessage(method, uri) { Content = CreateContent(input.Body) };
        AddHeaders(request, input.Headers);

        var client = httpClientFactory.CreateClient(HttpClientName);
        // The engine owns timeouts through the cancellation token; the client's own 100 s default would fight it.
        client.Timeout = Timeout.InfiniteTimeSpan;

        HttpResponseMessage response;
        byte[] bytes;
        bool tooLarge;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new ActivityFailedException($"{method} {uri} failed: {e.Message}", e);
        }

        using (response)
        {
            try
            {
                (bytes, tooLarge) = await ReadBodyAsync(response.Content, maxResponseBytes, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                throw new ActivityFailedException($"{method} {uri} failed while reading the response: {e.Message}", e);
            }

            var status = (int)response.StatusCode;
            var text = Decode(bytes, response.Content.Headers.ContentType);
            ResponseReceived(context.Logger, method, uri, status, bytes.Length);

            if (!accepted.Contains(status))
            {
                throw HttpFailure.Of(status,
                    $"{method} {uri} answered {status} {response.ReasonPhrase}, which is not accepted ({accepted}). Body: {Beginning(text)}");
            }

            if (tooLarge)
            {
                throw new ActivityFailedException($"{method} {uri} answered a body larger than maxResponseBytes ({maxResponseBytes} bytes)");
            }

            var (body, truncated) = Truncate(text, MaxBodyOutputBytes);
            return new Output
            {
                Status = status,
                Headers = CollectHeaders(response),
                Body = body,
                BodyTruncated = truncated,
                Json = truncated ? null : ParseJson(text, response.Content.Headers.ContentType),
            };
        }
    }

    private static Uri ParseUrl(string url)
        => Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new ActivityFailedException($"url '{url}' is not an absolute http or https URL");

    private static HttpMethod ParseMethod(string? method)
    {
        if (string.IsNullOrWhiteSpace(method))
        {
            return HttpMethod.Get;
        }

        try
        {
            return HttpMethod.Parse(method.Trim().ToUpperInvariant());
        }
        catch (FormatException)
        {
            throw new ActivityFailedException($"method '{method}' is not an HTTP method");
        }
    }

    private static StringContent? CreateContent(JsonElement? body) => body switch
    {
        null or { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => null,
        { ValueKind: JsonValueKind.String } text => new StringContent(text.GetString()!, Encoding.UTF8, "text/plain"),
        { } json => new StringContent(json.GetRawText(), Encoding.UTF8, "application/json"),
    };

    private static void AddHeaders(HttpRequestMessage request, IReadOnlyDictionary<string, string>? headers)
    {
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            if (request.Headers.TryAddWithoutValidation(name, value))
            {
                continue;
            }

            // Content headers (Content-Type, Content-Language, ...) belong to the content, even an empty one.
            request.Content ??= new ByteArrayContent([]);
            request.Content.Headers.Remove(name);
            if (!request.Content.Headers.TryAddWithoutValidation(name, value))
            {
                throw new ActivityFailedException($"header '{name}' cannot be set");
            }
        }
    }

    private static async Task<(byte[] Bytes, bool TooLarge)> ReadBodyAsync(HttpContent content, int limit, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength is { } announced && announced > limit)
        {
            // Still read the beginning, for the message of a failed status.
            limit = Math.Min(limit, MessageBodyChars * 4);
        }

        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    buffer.Write(chunk, 0, limit - (int)buffer.Length);
                    return (buffer.ToArray(), true);
                }

                buffer.Write(chunk, 0, read);
            }

            return (buffer.ToArray(), false);
        }
    }

    private static string Decode(byte[] bytes, MediaTypeHeaderValue? contentType)
    {
        var encoding = Encoding.UTF8;
        if (contentType?.CharSet is { Length: > 0 } charset)
        {
            try
            {
                encoding = Encoding.GetEncoding(charset.Trim('"'));
            }
            catch (ArgumentException)
            {
                // An unknown charset: UTF-8 is the best guess.
            }
        }

        return encoding.GetString(bytes);
    }

    /// <summary>Cuts text to at most <paramref name="maxBytes"/> UTF-8 bytes without splitting a character.</summary>
    internal static (string Text, bool Truncated) Truncate(string text, int maxBytes)
    {
        if (Encoding.UTF8.GetMaxByteCount(text.Length) <= maxBytes || Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return (text, false);
        }

        var bytes = 0;
        var chars = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > maxBytes)
            {
                break;
            }

            bytes += rune.Utf8SequenceLength;
            chars += rune.Utf16SequenceLength;
        }

        return (text[..chars], true);
    }

    private static string Beginning(string text)
        => text.Length <= MessageBodyChars ? text : string.Concat(text.AsSpan(0, MessageBodyChars), "…");

    private static Dictionary<string, string> CollectHeaders(HttpResponseMessage response)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            headers[name.ToLowerInvariant()] = string.Join(", ", values);
        }

        return headers;
    }

    private static JsonElement? ParseJson(string text, MediaTypeHeaderValue? contentType)
    {
        var mediaType = contentType?.MediaType;
        var isJson = mediaType is not null
            && (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
        if (!isJson)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The accepted statuses: inclusive ranges of codes.</summary>
    private sealed class StatusRanges
    {
        private readonly (int Min, int Max)[] _ranges;
        private readonly string _text;

        private StatusRanges((int Min, int Max)[] ranges, string text)
        {
            _ranges = ranges;
            _text = text;
        }

        public bool Contains(int status) => _ranges.Any(r => status >= r.Min && status <= r.Max);

        public override string ToString() => _text;

        public static StatusRanges Parse(IReadOnlyList<JsonElement>? items)
        {
            if (items is null)
            {
                return new StatusRanges([(200, 299)], "2xx");
            }

            var ranges = items.Select(ParseItem).ToArray();
            return new StatusRanges(ranges, string.Join(", ", items.Select(i => i.ValueKind == JsonValueKind.String ? i.GetString() : i.GetRawText())));
        }

        private static (int, int) ParseItem(JsonElement item)
        {
            if (item.ValueKind == JsonValueKind.Number && item.TryGetInt32(out var code) && code is >= 100 and <= 599)
            {
                return (code, code);
            }

            if (item.ValueKind == JsonValueKind.String)
            {
                var text = item.GetString()!.Trim();
                if (text.Length == 3 && text[0] is >= '1' and <= '5' && text.EndsWith("xx", StringComparison.OrdinalIgnoreCase))
                {
                    var hundreds = (text[0] - '0') * 100;
                    return (hundreds, hundreds + 99);
                }

                if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed is >= 100 and <= 599)
                {
                    return (parsed, parsed);
                }
            }

            throw new ActivityFailedException($"acceptStatus lists status codes (404) or classes (\"2xx\"), not {item.GetRawText()}");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Url} answered {Status} ({Bytes} bytes read)")]
    private static partial void ResponseReceived(ILogger logger, HttpMethod method, Uri url, int status, int bytes);
}
