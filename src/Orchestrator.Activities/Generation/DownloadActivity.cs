using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Orchestrator.Activities.DataFiles;
using Orchestrator.Core.Activities;

namespace Orchestrator.Activities.Generation;

[Activity("data.download", Category = "Data",
    Description = "Downloads an http(s) URL — or copies a file: URL inside the data directory — to a file, checking its size limit, content type and " +
                  "expected SHA-256. The file appears complete or not at all. Returns path, bytes and sha256.")]
public sealed partial class DownloadActivity(IHttpClientFactory httpClientFactory) : Activity<DownloadActivity.Input, DownloadActivity.Output>
{
    public const string HttpClientName = "data.download";

    public sealed record Input
    {
        [Description("http(s) URL, or file:relative/path inside the data directory.")]
        [MinLength(1)]
        public required string Url { get; init; }

        [Description("The file to write, relative to the data directory.")]
        [MinLength(1)]
        public required string Path { get; init; }

        [Description("Fail when the body is larger. Default 1 GiB.")]
        [Range(1, long.MaxValue)]
        public long? MaxBytes { get; init; }

        [Description("Expected SHA-256 of the body, hex; a mismatch fails the attempt and leaves no file.")]
        [RegularExpression("^[0-9a-fA-F]{64}$")]
        public string? Sha256 { get; init; }

        [Description("Accepted media types (e.g. text/csv); the response's Content-Type must be one. Default: any.")]
        public IReadOnlyList<string>? ContentTypes { get; init; }

        [Description("Request headers, name to value.")]
        public IReadOnlyDictionary<string, string>? Headers { get; init; }
    }

    public sealed record Output
    {
        [Description("The file written, relative to the data directory.")]
        public required string Path { get; init; }

        [Description("Size in bytes.")]
        public required long Bytes { get; init; }

        [Description("SHA-256 of the file, lower-case hex.")]
        public required string Sha256 { get; init; }

        [Description("The response's media type (http only).")]
        public string? ContentType { get; init; }
    }

    protected override async Task<Output> ExecuteAsync(Input input, ActivityContext context)
    {
        var path = context.Data.Resolve(input.Path);
        var maxBytes = input.MaxBytes ?? 1L << 30;
        var token = context.CancellationToken;
        string? contentType = null;
        Stream source;
        HttpResponseMessage? response = null;
        if (input.Url.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            // Only inside the data directory: a workflow may not read the server's other files.
            source = File.OpenRead(context.Data.Resolve(input.Url["file:".Length..].TrimStart('/')));
        }
        else
        {
            if (!Uri.TryCreate(input.Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new ActivityInputException($"url '{input.Url}' is neither http(s) nor file:");
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            foreach (var (name, value) in input.Headers ?? new Dictionary<string, string>())
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            var client = httpClientFactory.CreateClient(HttpClientName);
            client.Timeout = Timeout.InfiniteTimeSpan; // the engine's attempt timeout governs
            try
            {
                response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw new ActivityFailedException($"GET {uri} failed: {e.Message}", e);
            }

            if (!response.IsSuccessStatusCode)
            {
                var message = $"GET {uri} answered {(int)response.StatusCode} {response.ReasonPhrase}";
                response.Dispose();
                throw HttpFailure.Of((int)response.StatusCode, message);
            }

            contentType = response.Content.Headers.ContentType?.MediaType;
            if (input.ContentTypes is { Count: > 0 } accepted && !accepted.Contains(contentType ?? "", StringComparer.OrdinalIgnoreCase))
            {
                response.Dispose();
                throw new ActivityFailedException($"GET {uri} answered Content-Type '{contentType}', not one of {string.Join(", ", accepted)}");
            }

            if (response.Content.Headers.ContentLength > maxBytes)
            {
                response.Dispose();
                throw new ActivityFailedException($"GET {uri} announces {response.Content.Headers.ContentLength} bytes, above maxBytes ({maxBytes})");
            }

            source = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
        }

        long bytes = 0;
        string sha256 = "";
        using (response)
        await using (source.ConfigureAwait(false))
        {
            await DurableFile.WriteAsync(path, async target =>
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await source.ReadAsync(buffer, token).ConfigureAwait(false)) > 0)
                {
                    bytes += read;
                    if (bytes > maxBytes)
                    {
                        throw new ActivityFailedException($"{input.Url} is larger than maxBytes ({maxBytes})");
                    }

                    hash.AppendData(buffer, 0, read);
                    await target.WriteAsync(buffer.AsMemory(0, read), token).ConfigureAwait(false);
                }

                sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
                if (input.Sha256 is { } expected && !string.Equals(expected, sha256, StringComparison.OrdinalIgnoreCase))
                {
                    throw new ActivityFailedException($"{input.Url} has SHA-256 {sha256}, not the expected {expected.ToLowerInvariant()}");
                }
            }, token).ConfigureAwait(false);
        }

        Downloaded(context.Logger, input.Url, bytes, input.Path);
        return new Output { Path = System.IO.Path.GetRelativePath(context.Data.Root, path), Bytes = bytes, Sha256 = sha256, ContentType = contentType };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Url}: {Bytes} bytes written to {Path}")]
    private static partial void Downloaded(ILogger logger, string url, long bytes, string path);
}
