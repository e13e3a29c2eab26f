using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Orchestrator.Core.Activities;
using Orchestrator.Core.Connections;

namespace Orchestrator.Activities.Storage;

/// <summary>
/// An S3 bucket (AWS, MinIO, s3rver...) through AWSSDK.S3. Settings: endpoint, bucket, prefix, accessKey, secretKey,
/// region, pathStyle (default true with a custom endpoint, as MinIO needs).
/// </summary>
public sealed class S3ObjectStore : IObjectStore
{
    private readonly AmazonS3Client _client;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly string[] _credentials;

    public S3ObjectStore(Connection connection)
    {
        _bucket = connection.Require("bucket");
        _prefix = ObjectKeys.Normalize(connection.Get("prefix") ?? "", allowEmpty: true);
        var endpoint = connection.Get("endpoint");
        var region = connection.Get("region") ?? "us-east-1";
        var config = new AmazonS3Config
        {
            // The SDK's default flexible checksums (CRC32 trailers) are not understood by every S3-compatible server.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (endpoint is { Length: > 0 })
        {
            config.ServiceURL = endpoint;
            config.AuthenticationRegion = region;
            config.ForcePathStyle = !bool.TryParse(connection.Get("pathStyle"), out var pathStyle) || pathStyle;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(region);
            config.ForcePathStyle = bool.TryParse(connection.Get("pathStyle"), out var pathStyle) && pathStyle;
        }

        var accessKey = connection.Get("accessKey");
        var secretKey = connection.Get("secretKey");
        _credentials = new[] { secretKey, accessKey }.Where(v => v is { Length: > 0 }).Select(v => v!).ToArray();
        _client = accessKey is { Length: > 0 } && secretKey is { Length: > 0 }
            ? new AmazonS3Client(new BasicAWSCredentials(accessKey, secretKey), config)
            : new AmazonS3Client(config);
        Describe = $"s3 bucket '{_bucket}'{(_prefix.Length > 0 ? $" under '{_prefix}'" : "")} of connection '{connection.Name}'";
    }

    public string Describe { get; }

    public async Task PutAsync(string key, string file, string contentType, CancellationToken cancellationToken)
    {
        var request = new PutObjectRequest
        {
            BucketName = _bucket,
            Key = ObjectKeys.Join(_prefix, key),
            FilePath = file,
            ContentType = contentType,
            // Over plain http the SDK would send an aws-chunked body, which S3-compatible servers store as is.
            UseChunkEncoding = false,
        };
        await CallAsync($"upload of '{key}'", () => _client.PutObjectAsync(request, cancellationToken)).ConfigureAwait(false);
    }

    public async Task<long> GetAsync(string key, string file, CancellationToken cancellationToken)
    {
        var request = new GetObjectRequest { BucketName = _bucket, Key = ObjectKeys.Join(_prefix, key) };
        using var response = await CallAsync($"download of '{key}'", () => _client.GetObjectAsync(request, cancellationToken), key)
            .ConfigureAwait(false);
        var part = file + ".part";
        try
        {
            var output = File.Create(part);
            await using (output.ConfigureAwait(false))
            {
                await response.ResponseStream.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (IOException e)
        {
            File.Delete(part);
            throw new ActivityFailedException($"download of '{key}' from the {Describe} broke off: {Clean(e.Message)}", e);
        }
        catch (OperationCanceledException)
        {
            File.Delete(part);
            throw;
        }

        File.Move(part, file, overwrite: true);
        return new FileInfo(file).Length;
    }

    public async Task<IReadOnlyList<StoredObject>> ListAsync(string prefix, CancellationToken cancellationToken)
    {
        var objects = new List<StoredObject>();
        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = ObjectKeys.Join(_prefix, prefix) };
        if (_prefix.Length > 0 && prefix.Length == 0)
        {
            request.Prefix = _prefix.TrimEnd('/') + "/";
        }

        while (true)
        {
            var response = await CallAsync($"listing of '{prefix}'", () => _client.ListObjectsV2Async(request, cancellationToken)).ConfigureAwait(false);
            foreach (var item in response.S3Objects ?? [])
            {
                var key = _prefix.Length == 0 ? item.Key : item.Key[(_prefix.TrimEnd('/').Length + 1)..];
                objects.Add(new StoredObject(key, item.Size ?? 0));
            }

            if (response.IsTruncated != true || string.IsNullOrEmpty(response.NextContinuationToken))
            {
                return objects;
            }

            request.ContinuationToken = response.NextContinuationToken;
        }
    }

    public void Dispose() => _client.Dispose();

    private async Task<T> CallAsync<T>(string what, Func<Task<T>> call, string? key = null)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && key is not null)
        {
            throw new ActivityFailedException($"object '{key}' does not exist in the {Describe}", e);
        }
        catch (AmazonS3Exception e)
        {
            throw new ActivityFailedException($"{what} failed on the {Describe}: {(int)e.StatusCode} {e.ErrorCode}: {Clean(e.Message)}", e);
        }
        catch (Exception e) when (e is AmazonClientException or HttpRequestException or IOException)
        {
            throw new ActivityFailedException($"{what} failed on the {Describe}: {Clean(e.Message)}", e);
        }
    }

    /// <summary>Error texts of servers may quote the access key; neither key ever reaches a message.</summary>
    private string Clean(string message)
    {
        foreach (var credential in _credentials)
        {
            message = message.Replace(credential, SecretSettings.Mask, StringComparison.Ordinal);
        }

        return message;
    }
}
