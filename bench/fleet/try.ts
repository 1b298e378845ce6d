import { FLEET_BENCH } from './parameters.js';
import { runFleet } from './simulation.js';

process.env.AWS_ACCESS_KEY_ID = 'local';
process.env.AWS_SECRET_ACCESS_KEY = 'local';
const [mode, n, windowMs] = process.argv.slice(2);
const r = await runFleet(
  {
    ...FLEET_BENCH.base,
    mode: mode as never,
    environments: Number(n),
    windowMs: Number(windowMs ?? 4000),
    warmupMs: 1500,
  },
  (l) => console.error(l),
);
const { shards, parameters, ...rest } = r;
console.log(r.deliveredPerEnvironment.join(' '));
console.log(JSON.stringify(rest), JSON.stringify(shards.map((s) => [s.offered, s.accepted, s.throttled])));
