// The emulator's copy gate: a byte budget for Put Page From URL work in flight, admitted in order,
// a copy larger than the budget alone, and the budget returned when work fails.
import { describe, expect, it } from "vitest";
import { CopyGate } from "../../local/emulator/pages/copyGate";

const MiB = 1024 * 1024;

/** A piece of work that runs until released, recording when it started. */
function held(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((resolve) => {
    release = resolve;
  });
  const work = async () => {
    log.push(`start ${name}`);
    await done;
    log.push(`end ${name}`);
    return name;
  };
  return { work, release };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("CopyGate", () => {
  it("admits copies while their bytes fit the budget, the next one when bytes are released", async () => {
    const gate = new CopyGate(8 * MiB);
    const log: string[] = [];
    const [a, b, c] = ["a", "b", "c"].map((name) => held(log, name));
    const runs = [gate.run(4 * MiB, a!.work), gate.run(4 * MiB, b!.work), gate.run(4 * MiB, c!.work)];
    await tick();
    expect(log).toEqual(["start a", "start b"]);
    expect(gate.bytesInFlight).toBe(8 * MiB);
    b!.release();
    await tick();
    expect(log).toEqual(["start a", "start b", "end b", "start c"]);
    a!.release();
    c!.release();
    expect(await Promise.all(runs)).toEqual(["a", "b", "c"]);
    expect(gate.bytesInFlight).toBe(0);
  });

  it("lets many small copies run side by side", async () => {
    const gate = new CopyGate(8 * MiB);
    const log: string[] = [];
    const pieces = Array.from({ length: 64 }, (_, i) => held(log, String(i)));
    const runs = pieces.map((piece) => gate.run(4096, piece.work));
    await tick();
    expect(log.filter((line) => line.startsWith("start"))).toHaveLength(64);
    for (const piece of pieces) piece.release();
    await Promise.all(runs);
  });

  it("keeps order: a large copy waiting is not overtaken by small ones that would fit", async () => {
    const gate = new CopyGate(8 * MiB);
    const log: string[] = [];
    const first = held(log, "first");
    const large = held(log, "large");
    const small = held(log, "small");
    const runs = [gate.run(6 * MiB, first.work), gate.run(4 * MiB, large.work), gate.run(4096, small.work)];
    await tick();
    expect(log).toEqual(["start first"]);
    first.release();
    await tick();
    expect(log).toEqual(["start first", "end first", "start large", "start small"]);
    large.release();
    small.release();
    await Promise.all(runs);
  });

  it("runs a copy larger than the budget alone rather than never", async () => {
    const gate = new CopyGate(MiB);
    const log: string[] = [];
    const big = held(log, "big");
    const next = held(log, "next");
    const runs = [gate.run(4 * MiB, big.work), gate.run(4096, next.work)];
    await tick();
    expect(log).toEqual(["start big"]);
    big.release();
    next.release();
    await Promise.all(runs);
    expect(log).toEqual(["start big", "end big", "start next", "end next"]);
  });

  it("returns the bytes of work that fails, and passes its error on", async () => {
    const gate = new CopyGate(4 * MiB);
    const failing = gate.run(4 * MiB, async () => {
      throw new Error("source read failed");
    });
    await expect(failing).rejects.toThrow("source read failed");
    expect(gate.bytesInFlight).toBe(0);
    expect(await gate.run(4 * MiB, async () => "after")).toBe("after");
  });

  it("rejects a budget that is not positive", () => {
    expect(() => new CopyGate(0)).toThrow(/capacityBytes must be positive, got 0/);
    expect(() => new CopyGate(Number.NaN)).toThrow(RangeError);
  });
});
