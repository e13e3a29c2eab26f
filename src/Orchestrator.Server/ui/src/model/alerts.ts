/**
 * How often an alerts view is read again while it shows a pending alert. A delivery (sent, failed, retried) has no
 * live event, so a view of pending alerts asks again; a view of settled ones does not.
 */
export const pendingAlertRefresh = 2_000;

export function refreshWhilePending(states: readonly string[]): number | false {
  return states.includes("pending") ? pendingAlertRefresh : false;
}
