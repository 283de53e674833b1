import cliProgress from "cli-progress";

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

const silent: Progress = { update() {}, stop() {} };

/** A progress bar on stderr, only when stderr is a terminal and the caller is not printing JSON. */
export function progressBar(label: string, enabled: boolean): Progress {
  if (!enabled || !process.stderr.isTTY) return silent;
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${label.padEnd(18)} [{bar}] {value}/{total} {duration_formatted}`, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** Progress callbacks for a training run (trainModel): tuning, in estimated seconds, until the fit reports; then the fit. */
export function trainingProgress(model: string, tune: boolean): {
  onTuneProgress: (done: number, total: number) => void;
  onFitProgress: (done: number, total: number) => void;
  stop(): void;
} {
  const tuneBar = progressBar(`tune ${model} (est. s)`, tune);
  const fitBar = progressBar(`fit ${model}`, true);
  return {
    onTuneProgress: (done, total) => tuneBar.update(Math.round(done), Math.round(total)),
    onFitProgress: (done, total) => {
      tuneBar.stop();
      fitBar.update(done, total);
    },
    stop: () => {
      tuneBar.stop();
      fitBar.stop();
    },
  };
}
