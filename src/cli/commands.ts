// The list of subcommands. Adding a command: write src/cli/<name>.ts exporting
// `register(program)`, then add one import and one list item here.
// Every `ilog` run registers every command, so a command file imports only
// commander types and light helpers (./common.js, ./output.js) at top level and
// loads its implementation with `await import()` inside the action
// (test/cli/startup.test.ts checks).
import type { Command } from 'commander';
import { register as append } from './append.js';
import { register as checkpoint } from './checkpoint.js';
import { register as demo } from './demo.js';
import { register as init } from './init.js';
import { register as keygen } from './keygen.js';
import { register as proof } from './proof.js';
import { register as serve } from './serve.js';
import { register as verify } from './verify.js';
import { register as vkey } from './vkey.js';
import { register as witness } from './witness.js';
import { register as mirror } from './mirror.js';
import { register as restore } from './restore.js';
import { register as propose } from './propose.js';
import { register as approve } from './approve.js';
import { register as policy } from './policy.js';
import { register as lockdown } from './lockdown.js';
import { register as breakglass } from './breakglass.js';
import { register as proxy } from './proxy.js';
import { register as user } from './user.js';
import { register as lock } from './lock.js';
import { register as alerts } from './alerts.js';
import { register as app } from './app.js';
import { register as tail } from './tail.js';
import { register as readToken } from './read-token.js';
import { register as importHistory } from './import.js';
import { register as reconcile } from './reconcile.js';
import { register as reviewer } from './reviewer.js';
import { register as report } from './report.js';
import { register as exportCommand } from './export.js';
import { register as migrate } from './migrate.js';

export const commands: ((program: Command) => void)[] = [keygen, init, vkey, serve, append, verify, proof, checkpoint, demo, witness, mirror, restore, propose, approve, policy, lockdown, breakglass, proxy, user, lock, alerts, app, tail, importHistory, reconcile, readToken, reviewer, exportCommand, report, migrate];
