/**
 * One measurement: one operation on one server in one round. Preparing is unmeasured; the server's
 * CPU and peak memory are read from /proc as the measured window opens and closes.
 */
import { BENCH_CLIENTS } from '../fixture.js';
import { Target, expectStatus } from './browser.js';
import { relyingParty } from './flows.js';
import { runLoad } from './load.js';
import type { BenchSettings, OperationSpec, Subject } from './operations.js';
import { cpuMs, eventLoopCpuMs, idleShare, machineTicks, peakRssMiB, resetPeakRss, type MachineTicks } from './proc-stats.js';
import type { Measurement } from './report.js';
import type { RunningServer } from './servers.js';

/** The server as the simulated clients know it: its discovery document and each client's JWKS. */
export async function subjectOf(server: RunningServer, secret: string, connections: number): Promise<Subject> {
  const target = new Target(server.issuer, connections);
  const discovery = JSON.parse(expectStatus(await target.get('/.well-known/openid-configuration'), 200, 'discovery').body) as Subject['discovery'];
  const [rs256, es256] = await Promise.all(BENCH_CLIENTS.map((client) => relyingParty(target, client, secret)));
  return { name: server.name, target, discovery, rp: { RS256: rs256!, ES256: es256! } };
}

export async function measureOnce(server: RunningServer, subject: Subject, spec: OperationSpec, settings: BenchSettings, round: number): Promise<Measurement> {
  const plan = await spec.prepare(subject, settings);
  let cpuAtOpen: number | undefined;
  let cpuUsed: number | undefined;
  let loopAtOpen: number | undefined;
  let loopUsed: number | undefined;
  let peak: number | undefined;
  let machineAtOpen: MachineTicks | undefined;
  let idle: number | undefined;
  const window = await runLoad({
    ...plan,
    warmupSeconds: settings.warmupSeconds,
    seconds: settings.secondsPerOperation,
    onOpen() {
      resetPeakRss(server.pid);
      cpuAtOpen = cpuMs(server.pid);
      loopAtOpen = eventLoopCpuMs(server.pid);
      machineAtOpen = machineTicks();
    },
    onClose() {
      const now = cpuMs(server.pid);
      cpuUsed = now !== undefined && cpuAtOpen !== undefined ? now - cpuAtOpen : undefined;
      const loopNow = eventLoopCpuMs(server.pid);
      loopUsed = loopNow !== undefined && loopAtOpen !== undefined ? loopNow - loopAtOpen : undefined;
      peak = peakRssMiB(server.pid);
      idle = idleShare(machineAtOpen, machineTicks());
    },
  });
  if (!server.alive()) throw new Error(`the ${server.name} server died during "${spec.id}":\n${server.stderrTail()}`);
  return { ...window, round, ...(cpuUsed !== undefined ? { cpuMs: cpuUsed } : {}), ...(loopUsed !== undefined ? { eventLoopCpuMs: loopUsed } : {}), ...(peak !== undefined ? { peakRssMiB: peak } : {}), ...(idle !== undefined ? { machineIdleShare: idle } : {}) };
}
