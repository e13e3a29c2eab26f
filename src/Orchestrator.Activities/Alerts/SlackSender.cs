using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Orchestrator.Activities.Alerts;

/// <summary>
/// Posts a JSON payload to a <see cref="SlackChannel"/>'s incoming webhook through the named client
/// <see cref="HttpClientName"/>. A non-2xx answer is an <see cref="AlertDeliveryException"/> with the status and the
/// beginning of the body; 408, 429, 5xx and network errors are transient, other 4xx (webhook revoked, bad payload) not.
/// </summary>
public sealed class SlackSender(IHttpClientFactory httpClientFactory, AlertChannelCatalog channels, TimeProvider time)
{
    /// <summary>The named client; hosts may configure it (proxies, certificates).</summary>
    public const string HttpClientName = "alerts.slack";

    private const int BodyChars = 300;

    /// <summary>Posts <paramref name="payload"/> (the channel's username and icon added when it has none); returns the HTTP status.</summary>
    public async Task<int> PostAsync(SlackChannel channel, JsonObject payload, CancellationToken cancellationToken)
    {
        var body = (JsonObject)payload.DeepClone();
        if (channel.Username is not null)
        {
            body.TryAdd("username", channel.Username);
        }

        if (channel.IconEmoji is not null)
        {
            body.TryAdd("icon_emoji", channel.IconEmoji);
        }

        if (channel.IconUrl is not null)
        {
            body.TryAdd("icon_url", channel.IconUrl);
        }

        var client = httpClientFactory.CreateClient(HttpClientName);
        // The channel's timeout, on the injected clock, rules.
        client.Timeout = Timeout.InfiniteTimeSpan;
        using var timeout = new CancellationTokenSource(channel.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var where = $"{channel.Reference} ({channel.MaskedWebhookUrl})";
        try
        {
            using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            using var response = await client.PostAsync(channel.WebhookUrl, content, linked.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return status;
            }

            var answer = await response.Content.ReadAsStringAsync(linked.Token).ConfigureAwait(false);
            var transient = status >= 500 || response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout;
            throw new AlertDeliveryException(
                channels.Mask($"{where} answered {status} {response.ReasonPhrase}: {Beginning(answer)}"), transient);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AlertDeliveryException($"{where}: no answer within {channel.Timeout.TotalSeconds:0.#} s", transient: true);
        }
        catch (HttpRequestException e)
        {
            // The message may quote the URL; the cause is dropped for the same reason.
            throw new AlertDeliveryException(channels.Mask($"{where}: {e.Message}"), transient: true);
        }
    }

    private static string Beginning(string text)
    {
        text = text.Trim();
        return text.Length <= BodyChars ? text : string.Concat(text.AsSpan(0, BodyChars), "…");
    }
}
