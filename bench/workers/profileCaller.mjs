// Child process of the profile suite, run under --cpu-prof: sends argv[4] requests to the
// backend (port argv[3]) the way argv[2] names, argv[5] in flight, after a short warm-up,
// reports the measured window's process.hrtime (µs) and CPU used to the parent, and
// exits so the profile is written.
import { makeCaller } from './calls.mjs';

const [variant, port, requests, concurrency] = [
  process.argv[2],
  Number(process.argv[3]),
  Number(process.argv[4]),
  Number(process.argv[5]),
];
const { call, close } = makeCaller(variant, port);

async function load(count) {
  let next = 0;
  const loop = async () => {
    while (next < count) {
      next++;
      await call();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
}

const micros = () => Number(process.hrtime.bigint() / 1000n);
await load(Math.min(2_000, requests));
const startUs = micros();
const cpuBefore = process.cpuUsage();
await load(requests);
// The profiler samples on a wall clock, so on a busy machine time descheduled counts as
// sampled; the process's own CPU (all its threads) is the check on that.
const { user, system } = process.cpuUsage(cpuBefore);
const endUs = micros();
await close();
process.send?.({ startUs, endUs, cpuUs: user + system }, () => process.exit(0));
