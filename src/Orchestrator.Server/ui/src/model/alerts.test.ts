import { describe, expect, it } from "vitest";
import { pendingAlertRefresh, refreshWhilePending } from "./alerts";

describe("refreshWhilePending", () => {
  it("reads a view again while one of its alerts is pending", () => {
    expect(refreshWhilePending(["sent", "pending", "failed"])).toBe(pendingAlertRefresh);
  });

  it("leaves settled and empty views alone", () => {
    expect(refreshWhilePending(["sent", "throttled", "failed"])).toBe(false);
    expect(refreshWhilePending([])).toBe(false);
  });
});
