using System.IO.Hashing;
using System.Text;
using Orchestrator.Core.Model;

namespace Orchestrator.Core.Engine;

/// <summary>
/// How often and when a task is tried again. Delay before attempt n+1 after attempt n failed:
/// constant = <see cref="Delay"/>; exponential = Delay × 2^(n−1), capped by <see cref="MaxDelay"/>, minus up
/// to 10 % jitter derived from the run, task and attempt (so the schedule is reproducible and never above the cap).
/// </summary>
/// A failure the activity marked permanent (it cannot succeed on retry) is retried only with <see cref="RetryOn.Any"/>.
public sealed record RetryPolicy(int Retries, TimeSpan Delay, RetryBackoff Backoff, TimeSpan MaxDelay, RetryOn On = RetryOn.Transient)
{
    public const double MaxJitter = 0.10;

    public int MaxAttempts => Retries + 1;

    /// <summary>Whether a failure of this kind is worth another attempt (when attempts remain).</summary>
    public bool Covers(bool permanent) => !permanent || On == RetryOn.Any;

    public TimeSpan DelayAfter(int failedAttempt, string jitterKey)
    {
        if (Backoff == RetryBackoff.Constant)
        {
            return Delay;
        }

        var capped = Exponential(Delay, failedAttempt, MaxDelay).Ticks;
        return TimeSpan.FromTicks((long)(capped * (1 - (MaxJitter * JitterFraction(jitterKey)))));
    }

    /// <summary>
    /// <paramref name="delay"/> × 2^(n−1) after failed attempt n (n ≤ 1: <paramref name="delay"/>), capped by
    /// <paramref name="maxDelay"/>: the one exponential back-off, of tasks (before jitter), alert deliveries, event
    /// trigger reconnects, workflow files that failed to load, and waits for a local stream's file lock.
    /// </summary>
    public static TimeSpan Exponential(TimeSpan delay, int failedAttempt, TimeSpan maxDelay)
    {
        var exponent = Math.Clamp(failedAttempt - 1, 0, 62);
        var raw = delay.Ticks * Math.Pow(2, exponent);
        return TimeSpan.FromTicks((long)Math.Min(raw, maxDelay.Ticks));
    }

    /// <summary>
    /// A number in [0, 1) fixed by the key. A non-cryptographic hash is enough to spread retries, and it keeps
    /// OpenSSL out of a server that never needs it (about 3 MB of its idle resident set).
    /// </summary>
    public static double JitterFraction(string key)
        => (uint)XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(key)) / (double)uint.MaxValue * 0.999_999;
}
