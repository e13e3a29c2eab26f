import { describe, expect, it } from "vitest";
import { scheduleSentence } from "./cron";

describe("scheduleSentence", () => {
  it("says an hourly cron the way people do", () => {
    expect(scheduleSentence({ cron: "0 * * * *", timezone: "UTC" })).toBe("every hour at :00, UTC");
    expect(scheduleSentence({ cron: "@hourly" })).toBe("every hour at :00, UTC");
  });

  it("reads other crons in words with the zone", () => {
    expect(scheduleSentence({ cron: "30 2 * * 1", timezone: "Europe/Paris" })).toBe("at 02:30, only on Monday, Europe/Paris");
  });

  it("shows manual workflows and unreadable crons plainly", () => {
    expect(scheduleSentence(null)).toBe("manual only");
    expect(scheduleSentence({ cron: "not a cron" })).toBe("not a cron, UTC");
  });
});
