'use strict';
// Server-side cost read from /proc: CPU time (utime+stime of all threads) and resident memory of a set
// of processes. Clock ticks are 100/s on Linux (getconf CLK_TCK), so CPU is known to 10 ms per process.
const fs = require('fs');
const { execFileSync } = require('child_process');

let tick = 100;
try {
  tick = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
} catch (_) { /* keep 100 */ }

function cpuUs(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is state (field 3); utime is field 14, stime field 15
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / tick;
}

function rssKb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) : 0;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (_) {
    return false;
  }
}

/** {cpuUs, rssKb, per: {pid: {cpuUs, rssKb}}} summed over the pids that are alive. */
function sample(pids) {
  const per = {};
  let cpu = 0;
  let rss = 0;
  for (const pid of pids) {
    try {
      const c = cpuUs(pid);
      const r = rssKb(pid);
      per[pid] = { cpuUs: c, rssKb: r };
      cpu += c;
      rss += r;
    } catch (_) {
      per[pid] = null;
    }
  }
  return { at: Date.now(), cpuUs: cpu, rssKb: rss, per };
}

function delta(a, b) {
  return { ms: b.at - a.at, cpuUs: b.cpuUs - a.cpuUs, rssKb: b.rssKb };
}

/** Live heap after a full GC, via jcmd (null when jcmd is missing or fails). */
function jvmHeapAfterGc(pid) {
  try {
    execFileSync('jcmd', [String(pid), 'GC.run'], { stdio: 'pipe', timeout: 60000 });
    const out = execFileSync('jcmd', [String(pid), 'GC.heap_info'], { stdio: 'pipe', timeout: 60000 }).toString();
    // G1: " garbage-first heap   total 262144K, used 41234K [...]"
    const m = /heap\s+total\s+(\d+)K,\s+used\s+(\d+)K/.exec(out);
    return m ? { totalKb: Number(m[1]), usedKb: Number(m[2]) } : null;
  } catch (_) {
    return null;
  }
}

/** CPU time (µs) the whole machine spent busy so far, from the first line of /proc/stat. */
function machineBusyUs() {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line;
  return ((user + nice + system + irq + softirq + (steal || 0)) * 1e6) / tick;
}

/** Waits (up to maxMs) until the machine was at most `busyCores` busy over a 2 s window; returns that load. */
async function waitQuiet(busyCores, maxMs, log) {
  const until = Date.now() + maxMs;
  for (;;) {
    const a = machineBusyUs();
    await new Promise((r) => setTimeout(r, 2000));
    const load = (machineBusyUs() - a) / 2e6;
    if (load <= busyCores || Date.now() > until) return load;
    if (log) log(`machine busy (${load.toFixed(2)} cores used by others); waiting for it to calm down`);
  }
}

module.exports = { machineBusyUs, waitQuiet, sample, delta, alive, jvmHeapAfterGc, rssKb, cpuUs };
