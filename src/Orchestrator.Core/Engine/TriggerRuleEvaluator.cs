using Orchestrator.Core.Model;

namespace Orchestrator.Core.Engine;

/// <summary>What the final states of a task's direct upstreams add up to.</summary>
public readonly record struct UpstreamCounts(int Total, int Succeeded, int Failed, int UpstreamFailed, int Skipped)
{
    public int Done => Succeeded + Failed + UpstreamFailed + Skipped;

    public bool AllDone => Done >= Total;

    public static UpstreamCounts Of(IEnumerable<TaskState> upstreamStates)
    {
        int total = 0, succeeded = 0, failed = 0, upstreamFailed = 0, skipped = 0;
        foreach (var state in upstreamStates)
        {
            total++;
            switch (state)
            {
                case TaskState.Succeeded: succeeded++; break;
                case TaskState.Failed: failed++; break;
                case TaskState.UpstreamFailed: upstreamFailed++; break;
                case TaskState.Skipped: skipped++; break;
            }
        }

        return new UpstreamCounts(total, succeeded, failed, upstreamFailed, skipped);
    }
}

public enum TriggerDecision
{
    /// <summary>Not decidable yet: some upstream is still to finish.</summary>
    Wait,
    Run,
    Skip,
    UpstreamFailed,
}

/// <summary>
/// Airflow's trigger rules (airflow/ti_deps/deps/trigger_rule_dep.py): first whether the task can no longer
/// run (then it becomes skipped or upstream_failed, without waiting for the other upstreams), then whether
/// its rule is met. A task without upstreams always runs. One documented difference:
/// <c>all_done_min_one_success</c> follows Airflow's documentation (skipped upstreams are ignored) rather than
/// its code, which skips the task as soon as any upstream is skipped.
/// </summary>
public static class TriggerRuleEvaluator
{
    public static TriggerDecision Decide(TriggerRule rule, UpstreamCounts c)
    {
        if (c.Total == 0)
        {
            return TriggerDecision.Run;
        }

        var failures = c.Failed + c.UpstreamFailed;
        switch (rule)
        {
            case TriggerRule.AllSuccess:
                if (failures > 0)
                {
                    return TriggerDecision.UpstreamFailed;
                }

                if (c.Skipped > 0)
                {
                    return TriggerDecision.Skip;
                }

                return c.Succeeded == c.Total ? TriggerDecision.Run : TriggerDecision.Wait;

            case TriggerRule.AllFailed:
                if (c.Succeeded > 0 || c.Skipped > 0)
                {
                    return TriggerDecision.Skip;
                }

                return failures == c.Total ? TriggerDecision.Run : TriggerDecision.Wait;

            case TriggerRule.AllDone:
                return c.AllDone ? TriggerDecision.Run : TriggerDecision.Wait;

            case TriggerRule.AllDoneMinOneSuccess:
                if (c.Done < c.Total)
                {
                    return TriggerDecision.Wait;
                }

                if (c.Succeeded > 0)
                {
                    return TriggerDecision.Run;
                }

                return failures > 0 ? TriggerDecision.UpstreamFailed : TriggerDecision.Skip;

            case TriggerRule.AllSkipped:
                if (c.Succeeded > 0 || failures > 0)
                {
                    return TriggerDecision.Skip;
                }

                return c.Skipped == c.Total ? TriggerDecision.Run : TriggerDecision.Wait;

            case TriggerRule.OneSuccess:
                if (c.Succeeded > 0)
                {
                    return TriggerDecision.Run;
                }

                if (!c.AllDone)
                {
                    return TriggerDecision.Wait;
                }

                return c.Skipped == c.Done ? TriggerDecision.Skip : TriggerDecision.UpstreamFailed;

            case TriggerRule.OneFailed:
                if (failures > 0)
                {
                    return TriggerDecision.Run;
                }

                return c.AllDone ? TriggerDecision.Skip : TriggerDecision.Wait;

            case TriggerRule.OneDone:
                if (c.Succeeded + c.Failed > 0)
                {
                    return TriggerDecision.Run;
                }

                return c.AllDone ? TriggerDecision.Skip : TriggerDecision.Wait;

            case TriggerRule.NoneFailed:
                if (failures > 0)
                {
                    return TriggerDecision.UpstreamFailed;
                }

                return c.AllDone ? TriggerDecision.Run : TriggerDecision.Wait;

            case TriggerRule.NoneFailedMinOneSuccess:
                if (failures > 0)
                {
                    return TriggerDecision.UpstreamFailed;
                }

                if (c.Skipped == c.Total)
                {
                    return TriggerDecision.Skip;
                }

                return c.AllDone ? TriggerDecision.Run : TriggerDecision.Wait;

            case TriggerRule.NoneSkipped:
                if (c.Skipped > 0)
                {
                    return TriggerDecision.Skip;
                }

                return c.AllDone ? TriggerDecision.Run : TriggerDecision.Wait;

            case TriggerRule.Always:
                return TriggerDecision.Run;

            default:
                throw new ArgumentOutOfRangeException(nameof(rule), rule, "unknown trigger rule");
        }
    }
}
