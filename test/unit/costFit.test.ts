// The bench report's cost model of an incremental window: fixed + per write request + per MiB written.
import { describe, expect, it } from "vitest";
import { costFit } from "../../bench/report/goals";

describe("costFit", () => {
  it("recovers the parts of windows that follow the model exactly", () => {
    const model = (requests: number, mib: number) => 0.05 + 0.008 * requests + 0.02 * mib;
    const windows = [
      [1, 1],
      [8, 26],
      [41, 2.6],
      [338, 27.4],
      [491, 11.9],
      [271, 215.8],
    ].map(([requests, mib]) => ({ requests: requests!, mib: mib!, seconds: model(requests!, mib!) }));
    const fit = costFit(windows)!;
    expect(fit.fixedSeconds).toBeCloseTo(0.05, 9);
    expect(fit.secondsPerRequest).toBeCloseTo(0.008, 9);
    expect(fit.secondsPerMiB).toBeCloseTo(0.02, 9);
  });

  it("does not charge request-bound windows to the fixed part, as a fit on bytes alone would", () => {
    // Time set by requests only: many small requests for few bytes, few large ones for many bytes.
    const windows = [
      { requests: 66, mib: 0.3 },
      { requests: 491, mib: 11.9 },
      { requests: 271, mib: 215.8 },
      { requests: 4, mib: 0.3 },
    ].map((w) => ({ ...w, seconds: 0.01 * w.requests }));
    const fit = costFit(windows)!;
    expect(fit.fixedSeconds).toBeCloseTo(0, 9);
    expect(fit.secondsPerRequest).toBeCloseTo(0.01, 9);
    expect(fit.secondsPerMiB).toBeCloseTo(0, 9);
  });

  it("is undefined when the windows cannot separate the parts", () => {
    expect(costFit([{ requests: 1, mib: 1, seconds: 1 }])).toBeUndefined();
    // Requests and bytes in fixed proportion: the parts are not identifiable.
    const collinear = [1, 2, 3, 4].map((n) => ({ requests: n, mib: 4 * n, seconds: n }));
    expect(costFit(collinear)).toBeUndefined();
  });
});
