// What the training benches (bench:twotower, bench:sasrec) record of each epoch: wall and process CPU seconds,
// the loss and the machine's load average beside them (on a shared machine wall seconds include waiting for a
// core; process CPU counts every thread's work).
import { loadavg } from "node:os";
import type { EpochReport, FitOptions } from "./recommender.ts";

export interface EpochRecorder extends Required<Pick<FitOptions, "cpuClock" | "onEpoch">> {
  /** Medians and per-epoch lists of what was recorded so far, as printed in the bench's JSON. */
  summary(): Record<string, number | number[]>;
}

/** Records every epoch a fit reports and prints one line per epoch (prefixed with `label` when given) to stderr. */
export function epochRecorder(label = ""): EpochRecorder {
  const epochs: EpochReport[] = [];
  const load = [loadavg()[0]];
  const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const round = (x: number | undefined) => Number((x ?? Number.NaN).toFixed(2));
  return {
    cpuClock: () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1e6;
    },
    onEpoch: (e) => {
      epochs.push(e);
      load.push(loadavg()[0]);
      console.error(`${label ? `${label}, ` : ""}epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, ${e.seconds.toFixed(2)} s wall, ${e.cpuSeconds?.toFixed(2)} s cpu, load ${loadavg()[0].toFixed(1)}`);
    },
    summary: () => ({
      epoch_s_median: median(epochs.map((e) => e.seconds)),
      epoch_cpu_s_median: median(epochs.map((e) => e.cpuSeconds ?? Number.NaN)),
      epoch_s: epochs.map((e) => round(e.seconds)),
      epoch_cpu_s: epochs.map((e) => round(e.cpuSeconds)),
      losses: epochs.map((e) => e.loss),
      load: load.map((l) => Number(l.toFixed(1))),
    }),
  };
}
