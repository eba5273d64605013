// App start to interactive with a filled history store against an empty
// one: the real window (debug build, as `make build` makes it), rounds
// alternating between the two stores after one warm-up round each.
//
//   xvfb-run -a node tests/e2e/bench/app-startup.mjs STORE [ROUNDS]
//
// STORE is a data folder, e.g. the one `HISTORY_BENCH_DIR=DIR cargo bench
// -p scriptorium --bench history` fills with 1,000,000 generations. Two
// times per launch, from asking the driver for the app: the window ready
// (its first page interactive), and the History page showing its first
// row (or, in the empty store, that there is nothing yet).
import { execFileSync } from "node:child_process";

import { cliBinary, launch, newHome, waitForReady } from "../harness.mjs";

const [store, roundsArg] = process.argv.slice(2);
if (!store) {
  console.error("usage: node tests/e2e/bench/app-startup.mjs STORE [ROUNDS]");
  process.exit(2);
}
const rounds = Number(roundsArg ?? 7);

const empty = newHome();
// Created and migrated once, as a store that simply has no generations yet.
execFileSync(cliBinary, ["--home", empty, "doctor"], {
  stdio: "ignore",
});
const generations = (home) =>
  JSON.parse(
    execFileSync(cliBinary, ["--home", home, "doctor", "--json"], {
      encoding: "utf8",
    }),
  ).generations;

async function startOnce(home) {
  const app = await launch(home);
  try {
    await waitForReady(app.browser);
    const ready = performance.now() - app.startedAt;
    await app.browser.$('[data-testid="nav-history"]').click();
    await app.browser
      .$('[data-testid^="history-row-"], .empty-state')
      .waitForDisplayed({ timeout: 60_000 });
    const history = performance.now() - app.startedAt;
    return { ready, history };
  } finally {
    await app.close();
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const stores = [
  { label: "empty", home: empty, samples: [] },
  { label: "filled", home: store, samples: [] },
];
for (const { label, home } of stores) {
  console.log(`${label}: ${generations(home).toLocaleString("en")} generations`);
  await startOnce(home); // warm-up: caches, first-run work
}
for (let round = 0; round < rounds; round++) {
  for (const entry of stores) entry.samples.push(await startOnce(entry.home));
}
const figure = (entry, key) => median(entry.samples.map((sample) => sample[key]));
const range = (entry, key) => {
  const values = entry.samples.map((sample) => sample[key]);
  return `${Math.min(...values).toFixed(0)} … ${Math.max(...values).toFixed(0)}`;
};
for (const key of ["ready", "history"]) {
  const [emptyStore, filledStore] = stores;
  const ratio = figure(filledStore, key) / figure(emptyStore, key);
  console.log(
    `${key}: filled ${figure(filledStore, key).toFixed(0)} ms (${range(filledStore, key)}), ` +
      `empty ${figure(emptyStore, key).toFixed(0)} ms (${range(emptyStore, key)}), ` +
      `ratio ${ratio.toFixed(3)} (median of ${rounds})`,
  );
}
