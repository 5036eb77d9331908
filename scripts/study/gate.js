#!/usr/bin/env node
// The regression gate's false-alarm rate and power (issue 11, docs/ci.md "What the gate can see").
// A clone of this project gets a user scenario file, an op of 5 000 steps of integer arithmetic
// (10-25 µs) at commit `base`, then 5 250 (+5%) and 5 500 (+10%) steps at two later commits.
// Steps, not a busy-wait to a deadline: a deadline spin ends late by the VM's clock gaps, so 21 µs
// against 20 µs measured +4.7%, not +5%; a step count makes the injected change the op's own
// share of its time. Each repetition runs `compare --base base --head X` for X = base (A/A), +5%
// and +10%, and the verdicts are counted.
//
//   node scripts/study/gate.js --out DIR [--reps 5] [--runtime node,deno,bun]
//   node scripts/study/gate.js --out DIR --table
//
// Build first (npm run build). The clone shares this checkout's node_modules (hard links).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { root } from './common.js';

const SIDES = { 'A/A': 'base', '+5%': 'slow5', '+10%': 'slow10' };

const spinScenario = (steps) => `import { defineScenario } from 'asyncbench';
export default defineScenario({
  id: 'gate-spin', title: 'gate study probe', pattern: 'calibration', kind: 'micro', params: {},
  cases: { spin: () => () => { let x = 0; for (let i = 0; i < ${steps}; i++) x = (x * 31 + i) | 0; return x; } },
});
`;

/** A clone of this checkout with three commits of bench/spin.ts, tagged base, slow5, slow10. */
function prepare(repo) {
  if (existsSync(join(repo, 'bench/spin.ts'))) return;
  const git = (...args) => execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
  execFileSync('git', ['clone', '-q', root, repo]);
  execFileSync('cp', ['-al', join(root, 'node_modules'), repo]);
  execFileSync(process.execPath, ['scripts/build.js'], { cwd: repo, stdio: 'ignore' });
  git('config', 'user.email', 'study@asyncbench');
  git('config', 'user.name', 'gate study');
  mkdirSync(join(repo, 'bench'), { recursive: true });
  for (const [tag, steps] of [
    ['base', 5000],
    ['slow5', 5250],
    ['slow10', 5500],
  ]) {
    writeFileSync(join(repo, 'bench/spin.ts'), spinScenario(steps));
    git('add', 'bench/spin.ts');
    git('commit', '-qm', `spin ${steps} steps`);
    git('tag', tag);
  }
}

function compare(repo, out, head, runtimes) {
  if (existsSync(join(out, 'compare.json'))) return;
  const args = ['bin/asyncbench.js', 'compare', '--base', 'base', '--head', head, 'bench/spin.ts'];
  const r = spawnSync(process.execPath, [...args, '--runtime', runtimes, '--out', out], {
    cwd: repo,
    encoding: 'utf8',
  });
  writeFileSync(join(out, 'exit'), `${r.status}\n`);
  writeFileSync(join(out, 'stderr.txt'), r.stderr);
}

function table(dir) {
  const rows = {};
  for (const rep of readdirSync(dir).filter((d) => d.startsWith('rep-'))) {
    for (const [label] of Object.entries(SIDES)) {
      const out = join(dir, rep, label.replace(/[^\w]/g, '_'));
      if (!existsSync(join(out, 'compare.json'))) continue;
      const comparison = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8'));
      rows[label] ??= { runs: 0, flagged: 0, verdicts: {}, pairs: [], detectable: [], seconds: [] };
      const row = rows[label];
      row.runs++;
      const slower = comparison.rows.filter((r) => r.verdict === 'slower').length;
      if (slower > 0) row.flagged++;
      for (const r of comparison.rows) {
        row.verdicts[r.verdict] = (row.verdicts[r.verdict] ?? 0) + 1;
        if (r.n) row.pairs.push(r.n);
        if (r.detectable) row.detectable.push(r.detectable);
      }
      const took = /; (\d+) s$/m.exec(readFileSync(join(out, 'stderr.txt'), 'utf8'));
      if (took) row.seconds.push(Number(took[1]));
    }
  }
  const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);
  console.log(
    '| change | runs | runs with an entry slower | verdicts (entries) | mean pairs | mean detectable | mean s |',
  );
  console.log('|---|--:|--:|---|--:|--:|--:|');
  for (const [label, r] of Object.entries(rows)) {
    const verdicts = Object.entries(r.verdicts)
      .map(([v, n]) => `${v} ${n}`)
      .join(', ');
    const mdc = `${(100 * mean(r.detectable)).toFixed(1)}%`;
    console.log(
      `| ${label} | ${r.runs} | ${r.flagged} | ${verdicts} | ${mean(r.pairs).toFixed(1)} | ${mdc} | ${mean(r.seconds).toFixed(0)} |`,
    );
  }
}

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    reps: { type: 'string', default: '5' },
    runtime: { type: 'string', default: 'node,deno,bun' },
    table: { type: 'boolean' },
  },
});
if (!values.out) throw new Error('--out DIR is required');
mkdirSync(values.out, { recursive: true });
if (!values.table) {
  const repo = join(values.out, 'repo');
  prepare(repo);
  for (let rep = 0; rep < Number(values.reps); rep++)
    for (const [label, head] of Object.entries(SIDES)) {
      const out = join(values.out, `rep-${String(rep).padStart(2, '0')}`, label.replace(/[^\w]/g, '_'));
      mkdirSync(out, { recursive: true });
      console.error(`repetition ${rep + 1}/${values.reps}: ${label}`);
      compare(repo, out, head, values.runtime);
    }
}
table(values.out);
