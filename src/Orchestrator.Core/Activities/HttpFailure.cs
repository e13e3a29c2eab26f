namespace Orchestrator.Core.Activities;

/// <summary>How an HTTP status that an activity does not accept fails it, for every activity that calls HTTP.</summary>
public static class HttpFailure
{
    /// <summary>
    /// A client error (4xx) other than 408 Request Timeout and 429 Too Many Requests cannot succeed on retry: it is
    /// permanent. Any other status (5xx, 408, 429, an unexpected 2xx or 3xx) is an ordinary, retried failure.
    /// </summary>
    public static ActivityFailedException Of(int status, string message)
        => status is >= 400 and < 500 and not 408 and not 429
            ? new PermanentActivityException(message, $"HTTP {status} is a client error")
            : new ActivityFailedException(message);
}
