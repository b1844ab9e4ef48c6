// Totals GTest cases (and meson tests that are not GTest) from meson's
// testlog.json files, and prints the closing line "N passed, N failed".
// Above it, each test that failed is named (log, meson test, GTest cases):
// CI shows only the end of the output, and that end must say what failed.
const fs = require('fs');
let passed = 0, failed = 0, skipped = 0;
const failures = [];
for (const file of process.argv.slice(2)) {
  if (!fs.existsSync(file)) continue;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const t = JSON.parse(line);
    const out = t.stdout || '';
    const ok = /\[  PASSED  \] (\d+) test/.exec(out);
    const bad = /\[  FAILED  \] (\d+) test/.exec(out);
    const skip = /\[  SKIPPED \] (\d+) test/.exec(out);
    const failedCases = [...new Set([...out.matchAll(/^\[  FAILED  \] (\S+\.\S+)/gm)].map((m) => m[1]))];
    if (ok || bad) {
      passed += ok ? +ok[1] : 0;
      failed += bad ? +bad[1] : 0;
      skipped += skip ? +skip[1] : 0;
      if (!bad && t.result !== 'OK' && t.result !== 'SKIP') failed += 1;  // crashed after its summary
    } else if (t.result === 'OK') passed += 1;
    else if (t.result === 'SKIP') skipped += 1;
    else failed += 1;  // crash, timeout or a non-GTest failure
    if (t.result !== 'OK' && t.result !== 'SKIP') {
      const where = file.split('/').slice(-3, -2)[0] || file;  // the build directory
      failures.push(`${where}: ${t.name} (${t.result})${failedCases.length ? ': ' + failedCases.join(', ') : ''}`);
    }
  }
}
for (const extra of (process.env.EXTRA_RESULTS || '').split(',').filter(Boolean)) {
  const [p, f, files] = extra.split(':');
  passed += +p; failed += +f;
  if (files) for (const name of files.split(' ').filter(Boolean)) failures.push(`browser: ${name}`);
}
for (const f of failures) console.log(`failed: ${f}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);
