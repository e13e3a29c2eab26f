import { render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { describe, expect, it } from "vitest";
import { RunSquares } from "./RunSquares";
import { StateBadge } from "./StateBadge";

describe("RunSquares", () => {
  it("links every run, oldest first, named by its state", () => {
    render(
      <MemoryRouter>
        <RunSquares
          runs={[
            { id: "new", state: "failed", logicalDate: "2026-12-01T02:00:00Z" },
            { id: "old", state: "succeeded", logicalDate: "2026-12-01T01:00:00Z" },
          ]}
        />
      </MemoryRouter>,
    );
    const links = screen.getAllByRole("link");
    expect(links.map((l) => l.getAttribute("href"))).toEqual(["/runs/old", "/runs/new"]);
    expect(links[1]!.getAttribute("aria-label")).toMatch(/: failed$/);
    expect(links[1]!.getAttribute("style")).toContain("var(--state-failed)");
  });
});

describe("StateBadge", () => {
  it("says the state in words, with its label for assistive technology", () => {
    render(<StateBadge state="up_for_retry" label="Task state" />);
    expect(screen.getByRole("status", { name: "Task state: up for retry" }).textContent).toBe("up for retry");
  });
});
