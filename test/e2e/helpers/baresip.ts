/**
 * Drives a real SIP user agent, baresip (Debian package `baresip-core`), from end-to-end tests.
 *
 * Each {@link Baresip} is one baresip process with its own temporary config directory, bound to
 * loopback on free ports, with no sound card: the audio source is a sine generator (`ausine`)
 * and the player/alert device is an unconnected `aubridge` device, which swallows audio.
 * The test talks to it through the `ctrl_tcp` module: netstring-framed JSON commands
 * (`{"command":"dial","params":"sip:…","token":"…"}`) answered by
 * `{"response":true,"ok":…,"data":"…","token":"…"}`, plus unsolicited events
 * (`{"event":true,"class":"call","type":"CALL_ESTABLISHED",…}`).
 *
 * Written against baresip 1.0.0; the command and event names used here were checked against that
 * version by running two instances against each other (see baresip-harness.test.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** SIP transports the harness sets baresip up for. */
export type BaresipTransport = 'udp' | 'tcp';

/** How baresip treats an incoming INVITE: answer at once, or ring until {@link Baresip.accept}. */
export type BaresipAnswerMode = 'auto' | 'manual';

/** How one baresip instance is set up. */
export interface BaresipOptions {
  /** User part of the account's address of record, e.g. `alice`. */
  user: string;
  /** Host part of the address of record; also where REGISTER goes. Default `127.0.0.1`. */
  domain?: string;
  /**
   * Port of the registrar/proxy, written into the address of record (`sip:alice@host:port`)
   * because baresip sends REGISTER to the AOR's host and port. Leave unset for direct calls.
   */
  serverPort?: number;
  /** Transport for the account's requests (REGISTER, outgoing INVITE). Default `udp`. */
  transport?: BaresipTransport;
  /** Digest password (`auth_pass`); the digest user name is the AOR user. */
  password?: string;
  /** Registration interval in seconds; 0 (the default) means never REGISTER. */
  regint?: number;
  /** Default `auto`. */
  answerMode?: BaresipAnswerMode;
  /** Run with `-s` so every SIP message lands in {@link Baresip.output}. Default true. */
  sipTrace?: boolean;
  /** Bound on process start-up plus ctrl_tcp connection. Default 10 s. */
  startTimeoutMs?: number;
  /**
   * Microphone: a mono PCM16 WAV file played by the `aufile` module instead of the sine
   * generator (baresip ends the call's audio source when the file ends, sending silence).
   */
  audioFile?: { path: string; sampleRateHz: number };
  /**
   * Record what is sent and heard with the `sndfile` module into `<dir>/snd/`: per call
   * `dump-<peer>-enc.wav` (what baresip sent) and `dump-<peer>-dec.wav` (what it heard).
   */
  record?: boolean;
  /**
   * Restrict and order the audio codecs offered and accepted, e.g. `['G722']` (or baresip's
   * `G722/16000/1`): the account's `audio_codecs` parameter. baresip 1.0.0 reads it only
   * there; a config-file line of that name is ignored and every loaded codec offered.
   */
  codecs?: string[];
}

/** One event baresip reported over ctrl_tcp. */
export interface BaresipEvent {
  /** Arrival order within this instance, from 0. */
  seq: number;
  /** Event name, e.g. `CALL_ESTABLISHED`, `REGISTER_OK`. */
  type: string;
  /** baresip's event class: `call`, `register`, `application`, `other` … */
  class: string;
  accountaor?: string;
  /** `incoming` or `outgoing`, on call events. */
  direction?: string;
  peeruri?: string;
  /** Call id (the SIP Call-ID), on call events. */
  id?: string;
  /** Event detail: a status line on REGISTER_*, the close reason on CALL_CLOSED, … */
  param?: string;
}

/** Extra conditions for {@link Baresip.waitForEvent}. */
export interface WaitForEventOptions {
  /** Only events with `seq >= since` (see {@link Baresip.mark}). */
  since?: number;
  /** Further filter on the event. */
  match?: (event: BaresipEvent) => boolean;
  /** Event types that make the wait fail at once instead of timing out later. */
  failOn?: readonly string[];
}

const DEFAULT_EVENT_TIMEOUT_MS = 10_000;
const COMMAND_TIMEOUT_MS = 5_000;
const STOP_GRACE_MS = 2_000;
/** Keeps the tail of the process output; a SIP trace of a short test is far below this. */
const OUTPUT_LIMIT_BYTES = 1_000_000;
/** Lines baresip prints when it cannot set up; it does not exit on these, so we must look. */
const STARTUP_FAILURE = /init failed|Address already in use|could not get network address/;

const MODULE_DIR_CANDIDATES = [
  '/usr/lib/baresip/modules',
  '/usr/local/lib/baresip/modules',
  '/usr/lib/x86_64-linux-gnu/baresip/modules',
  '/usr/lib/aarch64-linux-gnu/baresip/modules',
];

/** Modules the generated config loads; all must exist for the harness to work. */
const REQUIRED_MODULES = [
  'g711.so',
  'g722.so',
  'ausine.so',
  'aubridge.so',
  'menu.so',
  'ctrl_tcp.so',
];

function findBinary(): string | undefined {
  const explicit = process.env.BARESIP_BIN;
  if (explicit !== undefined && explicit !== '') {
    return existsSync(explicit) ? explicit : undefined;
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, 'baresip');
    if (existsSync(candidate)) return candidate;
  }
  return existsSync('/usr/bin/baresip') ? '/usr/bin/baresip' : undefined;
}

function findModuleDir(): string | undefined {
  const explicit = process.env.BARESIP_MODULES;
  const candidates = explicit !== undefined && explicit !== '' ? [explicit] : MODULE_DIR_CANDIDATES;
  return candidates.find((dir) => existsSync(path.join(dir, 'ctrl_tcp.so')));
}

function listen(server: net.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no address for probe socket'));
      });
    });
  });
}

async function canBindTcp(port: number): Promise<boolean> {
  try {
    await listen(net.createServer(), port);
    return true;
  } catch {
    return false;
  }
}

function canBindUdp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

/**
 * A SIP port for baresip: free for UDP and TCP, and with port+1 free for TCP too, because
 * baresip's `sip_listen` also opens its TLS listener on the next port.
 */
async function pickSipPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await listen(net.createServer(), 0);
    if (port < 65535 && (await canBindUdp(port)) && (await canBindTcp(port + 1))) return port;
  }
  throw new Error('no free UDP+TCP port pair for baresip on 127.0.0.1');
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Pending `waitForEvent` call. */
interface Waiter {
  accepts(event: BaresipEvent): 'take' | 'fail' | 'skip';
  resolve(event: BaresipEvent): void;
  reject(error: Error): void;
}

/** Pending ctrl_tcp command. */
interface PendingCommand {
  resolve(data: string): void;
  reject(reason: string): void;
}

/**
 * One baresip process under test control. Create, {@link start}, drive, and always {@link stop}
 * (in `afterAll`/`afterEach`), which also removes the temporary directory.
 */
export class Baresip {
  /** Whether the baresip binary and the modules the harness needs are installed. */
  static available(): boolean {
    return Baresip.unavailableReason() === undefined;
  }

  /** Why baresip cannot be used here, or undefined when it can. */
  static unavailableReason(): string | undefined {
    if (findBinary() === undefined) {
      return 'baresip binary not found (install baresip-core, or set BARESIP_BIN)';
    }
    const moduleDir = findModuleDir();
    if (moduleDir === undefined) {
      return 'baresip modules directory with ctrl_tcp.so not found (set BARESIP_MODULES)';
    }
    const missing = REQUIRED_MODULES.filter((m) => !existsSync(path.join(moduleDir, m)));
    return missing.length > 0 ? `baresip modules missing: ${missing.join(', ')}` : undefined;
  }

  /** The options this instance was created with, defaults filled in. */
  readonly options: Required<
    Omit<BaresipOptions, 'serverPort' | 'password' | 'audioFile' | 'record' | 'codecs'>
  > &
    Pick<BaresipOptions, 'serverPort' | 'password' | 'audioFile' | 'record' | 'codecs'>;
  /** Local SIP port (UDP and TCP), known after {@link start}. */
  sipPort = 0;
  /** Local ctrl_tcp port, known after {@link start}. */
  ctrlPort = 0;
  /** The temporary config directory, known after {@link start}. */
  dir = '';

  private child: ChildProcess | undefined;
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private exitPromise: Promise<void> = Promise.resolve();
  private socket: net.Socket | undefined;
  private inbound: Buffer = Buffer.alloc(0);
  private outputText = '';
  /** Characters ever appended to the output, and how many of them a dump has printed. */
  private outputTotal = 0;
  private outputDumped = 0;
  private eventsDumped = 0;
  private readonly events: Array<{ event: BaresipEvent; consumed: boolean }> = [];
  private readonly waiters = new Set<Waiter>();
  private readonly pending = new Map<string, PendingCommand>();
  private readonly liveCalls = new Set<string>();
  private nextToken = 1;
  private registration: { state: 'none' | 'registering' | 'ok' | 'fail'; param?: string } = {
    state: 'none',
  };

  constructor(options: BaresipOptions) {
    this.options = {
      domain: '127.0.0.1',
      transport: 'udp',
      regint: 0,
      answerMode: 'auto',
      sipTrace: true,
      startTimeoutMs: 10_000,
      ...options,
    };
  }

  /** The account's address of record, as baresip prints it (`sip:alice@127.0.0.1:5060`). */
  get aor(): string {
    const { user, domain, serverPort } = this.options;
    return `sip:${user}@${domain}${serverPort === undefined ? '' : `:${serverPort}`}`;
  }

  /**
   * A URI that reaches this instance directly, without any server (after {@link start}), for
   * another instance's {@link dial}. It carries no `transport` parameter: see {@link dial}.
   */
  get directUri(): string {
    return `sip:${this.options.user}@127.0.0.1:${this.sipPort}`;
  }

  /**
   * The account line, in the syntax of baresip's `accounts` file and of the `uanew` command:
   * `<sip:alice@127.0.0.1:5060;transport=udp>;auth_pass=secret;regint=600;answermode=auto`.
   */
  accountLine(): string {
    const { transport, password, regint, answerMode } = this.options;
    const auth = password === undefined ? '' : `;auth_pass=${password}`;
    const codecs = this.options.codecs
      ? `;audio_codecs=${this.options.codecs.map(codecSpec).join(',')}`
      : '';
    return `<${this.aor};transport=${transport}>${auth}${codecs};regint=${regint};answermode=${answerMode}`;
  }

  /**
   * Starts baresip, connects to ctrl_tcp and creates the account (which sends REGISTER at
   * once when `regint` > 0). Retries on fresh ports when a port was taken in the meantime.
   */
  async start(): Promise<void> {
    if (this.child !== undefined) throw new Error('baresip already started');
    for (let attempt = 1; ; attempt++) {
      try {
        await this.launch();
        break;
      } catch (err) {
        const clash = /Address already in use/.test(this.outputText);
        await this.stop();
        if (!clash || attempt >= 3) throw err;
      }
    }
    // The account is created over ctrl_tcp rather than read from an `accounts` file at
    // start-up: that way the REGISTERING/REGISTER_OK events happen while we are connected
    // and listening, instead of before the control connection exists.
    await this.command('uanew', this.accountLine());
  }

  /**
   * Sends one ctrl_tcp command (any of baresip's long menu commands without the leading `/`:
   * `dial`, `accept`, `hangup`, `hold`, `resume`, `answermode`, `uanew`, `uadel`, `reginfo`,
   * `listcalls`, `help`, `quit` …) and resolves with the response's `data` text.
   */
  command(name: string, params = '', timeoutMs = COMMAND_TIMEOUT_MS): Promise<string> {
    const what = `baresip ${this.options.user}: command "${name} ${params}"`;
    const socket = this.socket;
    if (socket === undefined || socket.destroyed) {
      return Promise.reject(new Error(`${what}: not connected`));
    }
    const token = `t${this.nextToken++}`;
    const body = Buffer.from(JSON.stringify({ command: name, params, token }), 'utf8');
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(token);
        reject(new Error(`${what}: no response within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(token, {
        resolve: (data) => {
          clearTimeout(timer);
          resolve(data);
        },
        reject: (reason) => {
          clearTimeout(timer);
          reject(new Error(`${what}: ${reason}`));
        },
      });
      socket.write(Buffer.concat([Buffer.from(`${body.length}:`), body, Buffer.from(',')]));
    });
  }

  /** The sequence number the next event will get; pass as `since` to ignore older events. */
  mark(): number {
    return this.events.length;
  }

  /** Marks every event received so far as seen, so later waits only see new ones. */
  drainEvents(): void {
    for (const entry of this.events) entry.consumed = true;
  }

  /** Ids of calls that have had a call event but no CALL_CLOSED yet. */
  activeCalls(): string[] {
    return [...this.liveCalls];
  }

  /** Every event received so far, in order (consumed or not). */
  history(): readonly BaresipEvent[] {
    return this.events.map((e) => e.event);
  }

  /**
   * Resolves with the oldest not yet consumed event of `type` (buffered or future) and consumes
   * it, so consecutive waits for the same type see consecutive events and nothing that arrived
   * before the wait began is missed. Rejects on timeout, on a `failOn` event, or when baresip
   * exits.
   */
  waitForEvent(
    type: string,
    timeoutMs = DEFAULT_EVENT_TIMEOUT_MS,
    options: WaitForEventOptions = {},
  ): Promise<BaresipEvent> {
    const { since = 0, match, failOn = [] } = options;
    const accepts = (event: BaresipEvent): 'take' | 'fail' | 'skip' => {
      if (event.seq < since) return 'skip';
      if (event.type === type && (match === undefined || match(event))) return 'take';
      return failOn.includes(event.type) ? 'fail' : 'skip';
    };
    const label = `waiting for ${type}`;
    for (const entry of this.events) {
      if (entry.consumed) continue;
      const verdict = accepts(entry.event);
      if (verdict === 'take') {
        entry.consumed = true;
        return Promise.resolve(entry.event);
      }
      if (verdict === 'fail') {
        entry.consumed = true;
        return Promise.reject(this.failure(`${label}: got ${describeEvent(entry.event)}`));
      }
    }
    if (this.exited !== undefined) {
      return Promise.reject(this.failure(`${label}: baresip has exited`));
    }
    return new Promise<BaresipEvent>((resolve, reject) => {
      const waiter: Waiter = {
        accepts,
        resolve: (event) => {
          cleanup();
          resolve(event);
        },
        reject: (error) => {
          cleanup();
          reject(error);
        },
      };
      const timer = setTimeout(
        () => waiter.reject(this.failure(`${label}: timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      this.waiters.add(waiter);
    });
  }

  /**
   * Resolves once the account is registered (at once if the last registration event was
   * REGISTER_OK); rejects when REGISTER_FAIL comes instead.
   */
  async waitRegistered(timeoutMs = DEFAULT_EVENT_TIMEOUT_MS): Promise<void> {
    if (this.registration.state === 'ok') return;
    if (this.registration.state === 'fail') {
      const failed = this.failure(`registration failed: ${this.registration.param ?? ''}`);
      return this.explainRegisterFailure(Promise.reject(failed));
    }
    await this.explainRegisterFailure(
      this.waitForEvent('REGISTER_OK', timeoutMs, { failOn: ['REGISTER_FAIL'] }),
    );
  }

  /**
   * Sends a fresh REGISTER now by re-creating the account (baresip 1.0.0 has no "register
   * again" command; `uadel` un-registers and `uanew` registers anew), and waits for the result.
   */
  async register(timeoutMs = DEFAULT_EVENT_TIMEOUT_MS): Promise<void> {
    if (this.options.regint <= 0) throw new Error('register() needs regint > 0');
    await this.command('uadel', this.aor);
    this.registration = { state: 'none' };
    const since = this.mark();
    await this.command('uanew', this.accountLine());
    await this.explainRegisterFailure(
      this.waitForEvent('REGISTER_OK', timeoutMs, { since, failOn: ['REGISTER_FAIL'] }),
    );
  }

  /**
   * Starts an outgoing call; follow with `waitForEvent('CALL_ESTABLISHED')`.
   *
   * The URI must not carry a `transport` parameter: baresip 1.0.0 appends the account's URI
   * parameters (`;transport=udp|tcp`) to every dialled URI, so one given here would appear
   * twice in the Request-URI. The call therefore always uses the account's transport.
   */
  async dial(uri: string): Promise<void> {
    if (/;\s*transport=/i.test(uri)) {
      throw new Error(`dial ${uri}: drop the transport parameter, baresip adds the account's`);
    }
    await this.command('dial', uri);
  }

  /** Sends one DTMF digit on the current call (RFC 4733 telephone-event in baresip 1.0). */
  async sendDigit(digit: string): Promise<void> {
    await this.command('sndcode', digit);
  }

  /** Directory where `record: true` makes sndfile write its WAV dumps. */
  get recordDir(): string {
    return path.join(this.dir, 'snd');
  }

  /** Answers the ringing incoming call (answermode manual). */
  async accept(): Promise<void> {
    await this.command('accept');
  }

  /** Hangs up the current call: BYE when established, CANCEL or a rejection before that. */
  async hangup(): Promise<void> {
    await this.command('hangup');
  }

  /**
   * Puts the current call on hold (re-INVITE with `a=sendonly`) and waits until the peer's SDP
   * answer to it has arrived.
   */
  async hold(timeoutMs = DEFAULT_EVENT_TIMEOUT_MS): Promise<void> {
    await this.reinvite('hold', timeoutMs);
  }

  /** Takes the current call off hold (re-INVITE with `a=sendrecv`) and waits for the answer. */
  async resume(timeoutMs = DEFAULT_EVENT_TIMEOUT_MS): Promise<void> {
    await this.reinvite('resume', timeoutMs);
  }

  /** Changes how the account answers incoming calls from now on. */
  async setAnswerMode(mode: BaresipAnswerMode): Promise<void> {
    await this.command('answermode', mode);
  }

  /** Everything baresip wrote to stdout and stderr (the tail, if it was very long). */
  output(): string {
    return this.outputText;
  }

  /** Writes the captured output and event list to stderr, for a failed test's report. */
  dumpOutput(reason = 'test failed'): void {
    // Several failed tests in a row dump the same long-lived instance: print only what is new
    // since the previous dump, so the report does not repeat the whole trace each time.
    const fresh = Math.min(this.outputTotal - this.outputDumped, this.outputText.length);
    const earlier = this.outputDumped > 0 ? '(earlier output was printed above)\n' : '';
    const events = this.history()
      .filter((e) => e.seq >= this.eventsDumped)
      .map(describeEvent)
      .join('\n  ');
    this.outputDumped = this.outputTotal;
    this.eventsDumped = this.events.length;
    process.stderr.write(
      `\n===== baresip ${this.options.user} (${reason}) — new events:\n  ${events || '(none)'}\n` +
        `----- new output:\n${earlier}${fresh > 0 ? this.outputText.slice(-fresh) : ''}\n` +
        `===== end baresip ${this.options.user}\n`,
    );
  }

  /**
   * Quits baresip (SIGKILL if it has not exited after a grace period) and removes the
   * temporary directory. Safe to call more than once and after a failed start.
   */
  async stop(): Promise<void> {
    const child = this.child;
    if (child !== undefined && this.exited === undefined) {
      if (this.socket !== undefined && !this.socket.destroyed) {
        // `quit` un-registers and ends calls cleanly; baresip may exit before answering it.
        await this.command('quit', '', 1_000).catch(() => undefined);
      } else {
        // Not connected: start-up failed, and baresip keeps running after a failed init.
        child.kill('SIGTERM');
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await this.exitPromise;
      clearTimeout(timer);
    }
    this.socket?.destroy();
    this.socket = undefined;
    this.child = undefined;
    if (this.dir !== '') {
      await rm(this.dir, { recursive: true, force: true });
      this.dir = '';
    }
  }

  /**
   * baresip 1.0.0 (libre 1.x) computes only MD5 digests and gives up with ENOSYS ("Function
   * not implemented") when a 401 carries any challenge it cannot compute — a SHA-256
   * WWW-Authenticate stops it even when an MD5 one is offered too. Say so in the error,
   * since the bare errno is baffling.
   */
  private async explainRegisterFailure(wait: Promise<BaresipEvent>): Promise<void> {
    try {
      await wait;
    } catch (err) {
      const enosys = err instanceof Error && err.message.includes('Function not implemented');
      if (enosys && /algorithm=SHA-256/i.test(this.outputText)) {
        throw new Error(
          'baresip 1.0.0 cannot register when the 401 offers a SHA-256 digest challenge, even ' +
            'alongside MD5: the registrar must be able to offer MD5 alone for such clients.\n' +
            (err instanceof Error ? err.message : ''),
          { cause: err },
        );
      }
      throw err;
    }
  }

  private async reinvite(command: 'hold' | 'resume', timeoutMs: number): Promise<void> {
    const since = this.mark();
    await this.command(command);
    await this.waitForEvent('CALL_REMOTE_SDP', timeoutMs, {
      since,
      match: (e) => e.param === 'answer',
      failOn: ['CALL_CLOSED'],
    });
  }

  private async launch(): Promise<void> {
    const binary = findBinary();
    const moduleDir = findModuleDir();
    if (binary === undefined || moduleDir === undefined) {
      throw new Error(Baresip.unavailableReason() ?? 'baresip not available');
    }
    this.outputText = '';
    this.exited = undefined;
    this.sipPort = await pickSipPort();
    this.ctrlPort = await listen(net.createServer(), 0);
    this.dir = await mkdtemp(path.join(os.tmpdir(), `switchboard-baresip-${this.options.user}-`));
    if (this.options.record) await mkdir(path.join(this.dir, 'snd'), { recursive: true });
    await writeFile(path.join(this.dir, 'config'), this.configText(moduleDir));
    // An empty accounts file: accounts are created over ctrl_tcp (see start()).
    await writeFile(path.join(this.dir, 'accounts'), '');

    const args = ['-f', this.dir, ...(this.options.sipTrace ? ['-s'] : [])];
    const child = spawn(binary, args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exited = { code, signal };
        this.failEverything(`baresip exited (code ${code}, signal ${signal})`);
        resolve();
      });
      child.once('error', (err) => {
        this.appendOutput(`[spawn error] ${err.message}\n`);
        this.exited ??= { code: null, signal: null };
        this.failEverything(`baresip could not be started: ${err.message}`);
        resolve();
      });
    });

    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (err?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.stdout?.off('data', check);
        child.stderr?.off('data', check);
        if (err === undefined) resolve();
        else reject(err);
      };
      // stdout is unbuffered in baresip, so the ready line shows up as soon as it is printed.
      const check = (): void => {
        if (STARTUP_FAILURE.test(this.outputText)) finish(this.failure('baresip failed to start'));
        else if (this.outputText.includes('baresip is ready.')) finish();
      };
      const timer = setTimeout(
        () => finish(this.failure(`baresip not ready after ${this.options.startTimeoutMs} ms`)),
        this.options.startTimeoutMs,
      );
      child.stdout?.on('data', (chunk: Buffer) => this.appendOutput(chunk.toString('utf8')));
      child.stderr?.on('data', (chunk: Buffer) => this.appendOutput(chunk.toString('utf8')));
      child.stdout?.on('data', check);
      child.stderr?.on('data', check);
      void this.exitPromise.then(() => finish(this.failure('baresip exited during start-up')));
    });
    await this.connect();
  }

  private configText(moduleDir: string): string {
    // Loopback only, no sound card: ausine (48 kHz stereo only, hence the ausrc_* lines) feeds
    // the encoder and a never-connected aubridge device plays and rings into nothing.
    return [
      '# Generated by test/e2e/helpers/baresip.ts',
      'poll_method epoll',
      `sip_listen 127.0.0.1:${this.sipPort}`,
      // Pins the address in SDP and Contact to loopback instead of the first interface.
      'net_interface 127.0.0.1',
      'call_local_timeout 120',
      'call_max_calls 4',
      'audio_player aubridge,nil',
      ...(this.options.audioFile
        ? [
            `audio_source aufile,${this.options.audioFile.path}`,
            `ausrc_srate ${this.options.audioFile.sampleRateHz}`,
            'ausrc_channels 1',
          ]
        : ['audio_source ausine,440', 'ausrc_srate 48000', 'ausrc_channels 2']),
      'audio_alert aubridge,nil',
      ...(this.options.record ? [`snd_path ${path.join(this.dir, 'snd')}`] : []),
      'audio_buffer 20-160',
      'rtcp_mux no',
      'jitter_buffer_delay 5-10',
      // The menu's once-a-second call status line would flood the captured output.
      'statmode_default off',
      `module_path ${moduleDir}`,
      'module g711.so',
      'module g722.so',
      'module ausine.so',
      'module aubridge.so',
      ...(this.options.audioFile ? ['module aufile.so'] : []),
      ...(this.options.record ? ['module sndfile.so'] : []),
      'module_app menu.so',
      'module_app ctrl_tcp.so',
      `ctrl_tcp_listen 127.0.0.1:${this.ctrlPort}`,
      '',
    ].join('\n');
  }

  private async connect(): Promise<void> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(this.ctrlPort, '127.0.0.1');
      s.once('connect', () => resolve(s));
      s.once('error', (err) => reject(this.failure(`ctrl_tcp connect failed: ${err.message}`)));
    });
    socket.on('error', (err) => this.appendOutput(`[ctrl_tcp error] ${err.message}\n`));
    socket.on('close', () => this.failCommands('ctrl_tcp connection closed'));
    socket.on('data', (chunk: Buffer) => this.onCtrlData(chunk));
    this.socket = socket;
  }

  /** Splits the stream into netstrings (`<length>:<bytes>,`) and handles each JSON message. */
  private onCtrlData(chunk: Buffer): void {
    this.inbound = Buffer.concat([this.inbound, chunk]);
    for (;;) {
      const colon = this.inbound.indexOf(0x3a);
      if (colon < 0) return;
      const length = Number(this.inbound.subarray(0, colon).toString('ascii'));
      if (!Number.isInteger(length) || length < 0) {
        this.appendOutput(`[ctrl_tcp] bad netstring prefix, dropping buffer\n`);
        this.inbound = Buffer.alloc(0);
        return;
      }
      const end = colon + 1 + length;
      if (this.inbound.length < end + 1) return;
      const payload = this.inbound.subarray(colon + 1, end).toString('utf8');
      this.inbound = this.inbound.subarray(end + 1);
      this.onCtrlMessage(payload);
    }
  }

  private onCtrlMessage(payload: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      this.appendOutput(`[ctrl_tcp] unparsable message: ${payload}\n`);
      return;
    }
    if (parsed === null || typeof parsed !== 'object') return;
    const msg = parsed as Record<string, unknown>;
    if (msg.response === true) {
      const token = optionalString(msg.token) ?? '';
      const pending = this.pending.get(token);
      if (pending === undefined) return;
      this.pending.delete(token);
      const data = optionalString(msg.data) ?? '';
      if (msg.ok === true) pending.resolve(data);
      else pending.reject(`failed: ${data}`);
      return;
    }
    if (msg.event === true) {
      this.onEvent({
        seq: this.events.length,
        type: optionalString(msg.type) ?? '',
        class: optionalString(msg.class) ?? '',
        accountaor: optionalString(msg.accountaor),
        direction: optionalString(msg.direction),
        peeruri: optionalString(msg.peeruri),
        id: optionalString(msg.id),
        param: optionalString(msg.param),
      });
    }
  }

  private onEvent(event: BaresipEvent): void {
    // RTCP reports arrive every few seconds and say nothing the tests look at.
    if (event.type === 'CALL_RTCP') return;
    const entry = { event, consumed: false };
    this.events.push(entry);
    if (event.class === 'call' && event.id !== undefined) {
      if (event.type === 'CALL_CLOSED') this.liveCalls.delete(event.id);
      else this.liveCalls.add(event.id);
    }
    switch (event.type) {
      case 'REGISTERING':
        if (this.registration.state !== 'ok') this.registration = { state: 'registering' };
        break;
      case 'REGISTER_OK':
        this.registration = { state: 'ok', param: event.param };
        break;
      case 'REGISTER_FAIL':
        this.registration = { state: 'fail', param: event.param };
        break;
      case 'UNREGISTERING':
        this.registration = { state: 'none' };
        break;
    }
    for (const waiter of this.waiters) {
      const verdict = waiter.accepts(event);
      if (verdict === 'skip') continue;
      entry.consumed = true;
      if (verdict === 'take') waiter.resolve(event);
      else waiter.reject(this.failure(`got ${describeEvent(event)}`));
      return;
    }
  }

  private appendOutput(text: string): void {
    this.outputText += text;
    this.outputTotal += text.length;
    if (this.outputText.length > OUTPUT_LIMIT_BYTES) {
      this.outputText = this.outputText.slice(-OUTPUT_LIMIT_BYTES);
    }
  }

  private failCommands(reason: string): void {
    for (const pending of this.pending.values()) pending.reject(reason);
    this.pending.clear();
  }

  private failEverything(reason: string): void {
    this.failCommands(reason);
    for (const waiter of this.waiters) waiter.reject(this.failure(reason));
  }

  /** An error whose message carries the recent events and output, for a readable failure. */
  private failure(message: string): Error {
    const recent = this.history().slice(-15).map(describeEvent).join('\n  ');
    const tail = this.outputText.slice(-4_000);
    return new Error(
      `baresip ${this.options.user}: ${message}\n recent events:\n  ${recent || '(none)'}\n` +
        ` output tail:\n${tail}`,
    );
  }
}

/**
 * A codec as the account's `audio_codecs` names it: `name/rate/channels`. baresip 1.0.0 takes
 * a bare name to mean 8000 Hz, which no G.722 codec has (`audio codec not found: G722/8000/1`,
 * and then every codec is offered), so the rates of the codecs the harness loads are filled in.
 */
function codecSpec(name: string): string {
  if (name.includes('/')) return name;
  const rate = name.toUpperCase() === 'G722' ? 16000 : 8000;
  return `${name}/${rate}/1`;
}

function describeEvent(event: BaresipEvent): string {
  const detail = [event.direction, event.peeruri, event.param].filter((x) => x !== undefined);
  return `#${event.seq} ${event.type}${detail.length > 0 ? ` (${detail.join(' ')})` : ''}`;
}
