// Totals GTest cases (and meson tests that are not GTest) from meson's
// testlog.json files, and prints the closing line "N passed, N failed".
const fs = require('fs');
let passed = 0, failed = 0, skipped = 0;
for (const file of process.argv.slice(2)) {
  if (!fs.existsSync(file)) continue;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const t = JSON.parse(line);
    const out = t.stdout || '';
    const ok = /\[  PASSED  \] (\d+) test/.exec(out);
    const bad = /\[  FAILED  \] (\d+) test/.exec(out);
    const skip = /\[  SKIPPED \] (\d+) test/.exec(out);
    if (ok || bad) {
      passed += ok ? +ok[1] : 0;
      failed += bad ? +bad[1] : 0;
      skipped += skip ? +skip[1] : 0;
      if (!bad && t.result !== 'OK' && t.result !== 'SKIP') failed += 1;  // crashed after its summary
    } else if (t.result === 'OK') passed += 1;
    else if (t.result === 'SKIP') skipped += 1;
    else failed += 1;  // crash, timeout or a non-GTest failure
  }
}
for (const extra of (process.env.EXTRA_RESULTS || '').split(',').filter(Boolean)) {
  const [p, f] = extra.split(':').map(Number);
  passed += p; failed += f;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);
