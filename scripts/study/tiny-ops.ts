// Sub-100 ns ops for the tiny-ops study (scripts/study/tiny-ops.js): the same ops as
// tiny-ops-mitata.mjs, measured by asyncbench.
import { defineScenario } from 'asyncbench';
import { TINY_OPS } from './tiny-ops-shared.mjs';

export default defineScenario({
  id: 'tiny-ops',
  title: 'Sub-100 ns ops (study)',
  pattern: '-',
  kind: 'micro',
  params: {},
  cases: Object.fromEntries(Object.entries(TINY_OPS).map(([name, make]) => [name, () => make()])),
});
