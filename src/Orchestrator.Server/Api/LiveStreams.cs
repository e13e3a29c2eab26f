using System.Runtime.CompilerServices;

namespace Orchestrator.Server.Api;

/// <summary>
/// Live streams (SSE) last until the client leaves or the server stops: a browser tab left open must not hold a
/// node's shutdown until the host gives up and resets the connection. On stop the stream ends cleanly.
/// </summary>
internal static class LiveStreams
{
    public static async IAsyncEnumerable<T> UntilStopping<T>(
        this IAsyncEnumerable<T> source, CancellationToken stopping, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, cancellationToken);
        await using var items = source.GetAsyncEnumerator(linked.Token);
        while (true)
        {
            bool more;
            try
            {
                more = await items.MoveNextAsync();
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                yield break;
            }

            if (!more)
            {
                yield break;
            }

            yield return items.Current;
        }
    }
}
