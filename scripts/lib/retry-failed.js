// Media tests drive real-time pipelines on a shared 2-core machine. The
// tests of a meson testlog (JSON lines) that did not pass are printed, one
// name a line, for scripts/test to run once more; with a second log, the
// entries of the rerun replace the first ones in the first log (both runs
// stay in meson-logs as text).
//   node retry-failed.js LOG            -> names of the tests that failed
//   node retry-failed.js LOG RETRY_LOG  -> LOG rewritten with RETRY_LOG's results
const fs = require('fs');
const [log, retry] = process.argv.slice(2);
const read = (f) => fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
const first = read(log);
if (!retry) {
  // "convene:media / recording" -> "recording", the name meson test takes
  for (const t of first) if (t.result !== 'OK' && t.result !== 'SKIP') console.log(t.name.split(' / ').pop());
  process.exit(0);
}
const again = new Map(read(retry).map((t) => [t.name, t]));
fs.writeFileSync(log, first.map((t) => JSON.stringify(again.get(t.name) || t)).join('\n') + '\n');
