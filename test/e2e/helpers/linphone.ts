/**
 * Drives a second real SIP user agent, linphone's console client `linphonec` (Debian package
 * `linphone-cli`, liblinphone 5.1), from end-to-end tests. It exists because baresip 1.0 cannot
 * send DTMF as SIP INFO; linphonec sends DTMF as SIP INFO (`application/dtmf-relay`) or as
 * RFC 4733 telephone-events, whichever {@link LinphoneOptions.dtmf} picks.
 *
 * Each {@link Linphone} is one linphonec process with its own temporary HOME holding a generated
 * linphonerc. SIP listens on a random UDP port of 127.0.0.1 (read back with the `ports` command),
 * there is no registration, and there is no sound card: linphonec runs in "file mode"
 * (`soundcard use files`), so its microphone is a WAV file that loops for the whole call and
 * what it hears can be recorded to a WAV file.
 *
 * linphonec is driven through its stdin command interface (`call <uri>`, a line of digits for
 * DTMF, `terminate`, `quit`) with stdout/stderr captured; its state lines
 * (`Call 1 with sip:… connected.`) become {@link LinphoneEvent}s. Checked against linphonec 5.1.65
 * by linphone-harness.test.ts. Things learnt the hard way:
 * - liblinphone must be able to create its database, or the core stays in the Startup state
 *   forever and never opens a SIP port: the rc points `[storage] uri` into the temporary dir.
 * - Its `--pipe` mode stops reading stdin, and its unix socket (which linphonecsh talks to)
 *   is named after the user id, one per user rather than per instance: plain stdin is the
 *   per-instance channel. Piped (non-TTY) stdin works: readline still runs the core's
 *   iterate hook while it waits for input.
 * - EOF on stdin does not make it exit once it has read a command; `quit` (or a signal) does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, it } from 'vitest';

/** How linphonec sends DTMF: SIP INFO (`application/dtmf-relay`) or RFC 4733 RTP events. */
export type LinphoneDtmfMethod = 'info' | 'rfc4733';

/** Audio codecs the generated linphonerc can offer, in the order given. */
export type LinphoneCodec = 'PCMU' | 'PCMA' | 'G722' | 'opus';

/** How one linphonec instance is set up. */
export interface LinphoneOptions {
  /** User part of the From address (`sip:<user>@127.0.0.1`). Default `linphone`. */
  user?: string;
  /**
   * DTMF method. With `info`, linphonec also leaves telephone-event out of its SDP offer;
   * with `rfc4733` it offers it (dynamic payload type, 96 when only G.711 is offered).
   * Default `info`.
   */
  dtmf?: LinphoneDtmfMethod;
  /**
   * WAV file played as the microphone, looped for the whole call (mono 16-bit PCM; 8 kHz avoids
   * any resampling). Default: one second of generated silence, so RTP still flows.
   */
  playFile?: string;
  /** Record what linphonec hears to a WAV file, see {@link Linphone.readRecording}. */
  record?: boolean;
  /** Codecs offered, in preference order; every other codec is disabled. Default PCMU, PCMA. */
  codecs?: readonly LinphoneCodec[];
  /**
   * Run with `-d 5`, so liblinphone's log, which includes every SIP message sent and received,
   * lands in {@link Linphone.output}. Default true.
   */
  sipTrace?: boolean;
  /** Bound on process start-up until the SIP port is open. Default 10 s. */
  startTimeoutMs?: number;
}

/** Call states linphonec prints, see {@link LinphoneEvent}. */
export type LinphoneEventType =
  | 'establishing'
  | 'progress'
  | 'ringing'
  | 'early-media'
  | 'connected'
  | 'streams-running'
  | 'ended'
  | 'error'
  | 'incoming'
  | 'dtmf-received';

/** One state line linphonec printed. */
export interface LinphoneEvent {
  /** Arrival order within this instance, from 0. */
  seq: number;
  type: LinphoneEventType;
  /** linphonec's call id (1, 2, …), when the line names one. */
  callId?: number;
  /** The remote address as linphonec prints it. */
  peer?: string;
  /** The end reason on `ended`, the media on `streams-running`, the digit on `dtmf-received`. */
  detail?: string;
  /** The output line, prompt stripped. */
  line: string;
}

/** Extra conditions for {@link Linphone.waitForEvent}. */
export interface LinphoneWaitOptions {
  /** Only events with `seq >= since` (see {@link Linphone.mark}). */
  since?: number;
  /** Further filter on the event. */
  match?: (event: LinphoneEvent) => boolean;
  /** Event types that make the wait fail at once instead of timing out later. */
  failOn?: readonly LinphoneEventType[];
}

/** A decoded 16-bit PCM WAV file. */
export interface LinphoneRecording {
  sampleRate: number;
  channels: number;
  /** Interleaved samples. */
  samples: Int16Array;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 2_000;
const OUTPUT_LIMIT_BYTES = 1_000_000;
/** Output lines kept for {@link Linphone.waitForOutput}; older ones are dropped. */
const LINE_LIMIT = 20_000;
const PROMPT = 'linphonec> ';
/** A `param` read of a key that never exists: its answer marks that earlier input was handled. */
const SYNC_COMMAND = 'param switchboard sync';
const SYNC_ANSWER = /^current value: \(undef\)$/;

const CODECS: Record<LinphoneCodec, { mime: string; rate: number; channels: number }> = {
  PCMU: { mime: 'PCMU', rate: 8000, channels: 1 },
  PCMA: { mime: 'PCMA', rate: 8000, channels: 1 },
  // G.722's RTP clock rate is 8000 although it samples at 16 kHz (RFC 3551).
  G722: { mime: 'G722', rate: 8000, channels: 1 },
  opus: { mime: 'opus', rate: 48000, channels: 2 },
};

/** State lines of linphonec 5.1 (console/linphonec.c), after the prompt is stripped. */
const EVENT_PATTERNS: ReadonlyArray<{
  type: LinphoneEventType;
  re: RegExp;
  fields: (m: RegExpExecArray) => Pick<LinphoneEvent, 'callId' | 'peer' | 'detail'>;
}> = [
  {
    type: 'establishing',
    re: /^Establishing call id to (.+), assigned id (\d+)$/,
    fields: (m) => ({ peer: m[1], callId: Number(m[2]) }),
  },
  {
    type: 'progress',
    re: /^Call (\d+) to (.+) in progress\.$/,
    fields: (m) => ({ callId: Number(m[1]), peer: m[2] }),
  },
  {
    type: 'ringing',
    re: /^Call (\d+) to (.+) ringing\.$/,
    fields: (m) => ({ callId: Number(m[1]), peer: m[2] }),
  },
  {
    type: 'early-media',
    re: /^Call (\d+) with (.+) early media\.$/,
    fields: (m) => ({ callId: Number(m[1]), peer: m[2] }),
  },
  {
    type: 'connected',
    re: /^Call (\d+) with (.+) connected\.$/,
    fields: (m) => ({ callId: Number(m[1]), peer: m[2] }),
  },
  {
    type: 'streams-running',
    re: /^Media streams established with (.+) for call (\d+) \((.*)\)\.$/,
    fields: (m) => ({ peer: m[1], callId: Number(m[2]), detail: m[3] }),
  },
  {
    type: 'ended',
    re: /^Call (\d+) with (.+) ended \((.*)\)\.$/,
    fields: (m) => ({ callId: Number(m[1]), peer: m[2], detail: m[3] }),
  },
  {
    type: 'error',
    re: /^Call (\d+) with (.+) error\.$/,
    fields: (m) => ({ callId: Number(m[1]), peer: m[2] }),
  },
  {
    type: 'incoming',
    re: /^Receiving new incoming call from (.+), assigned id (\d+)$/,
    fields: (m) => ({ peer: m[1], callId: Number(m[2]) }),
  },
  {
    type: 'dtmf-received',
    re: /^Receiving tone (.) from (.+)$/,
    fields: (m) => ({ detail: m[1], peer: m[2] }),
  },
];

function findBinary(): string | undefined {
  const explicit = process.env.LINPHONEC_BIN;
  if (explicit !== undefined && explicit !== '') {
    return existsSync(explicit) ? explicit : undefined;
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, 'linphonec');
    if (existsSync(candidate)) return candidate;
  }
  return existsSync('/usr/bin/linphonec') ? '/usr/bin/linphonec' : undefined;
}

/** A mono 16-bit PCM WAV file's bytes. */
export function wavBytes(samples: Int16Array, sampleRate: number): Buffer {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/**
 * Decodes a 16-bit PCM WAV file. Lenient about the `data` chunk's length, because linphonec's
 * recorder writes the whole file's size there, more than the bytes that follow.
 */
export function parseWav(bytes: Buffer): LinphoneRecording {
  if (bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('not a RIFF/WAVE file');
  }
  let offset = 12;
  let format: { sampleRate: number; channels: number; bits: number } | undefined;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      format = {
        channels: bytes.readUInt16LE(body + 2),
        sampleRate: bytes.readUInt32LE(body + 4),
        bits: bytes.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (format === undefined) throw new Error('WAV data chunk before fmt chunk');
      if (format.bits !== 16) throw new Error(`WAV has ${format.bits}-bit samples, not 16`);
      const end = Math.min(body + size, bytes.length);
      const usable = (end - body) & ~1;
      const samples = new Int16Array(usable / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(body + 2 * i);
      return { sampleRate: format.sampleRate, channels: format.channels, samples };
    }
    offset = body + size + (size & 1);
  }
  throw new Error('WAV file has no data chunk');
}

/** Children still running, killed if the test process exits without stopping them. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function trackChild(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // linphonec does not exit when its stdin closes, so a crashed or interrupted test run
    // would otherwise leave it running; 'exit' handlers must be synchronous, hence SIGKILL.
    process.once('exit', () => {
      for (const c of liveChildren) c.kill('SIGKILL');
    });
  }
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}

interface EventWaiter {
  accepts(event: LinphoneEvent): 'take' | 'fail' | 'skip';
  resolve(event: LinphoneEvent): void;
  reject(error: Error): void;
}

interface LineWaiter {
  since: number;
  pattern: RegExp;
  resolve(match: RegExpExecArray): void;
  reject(error: Error): void;
}

/**
 * One linphonec process under test control. Create, {@link start}, drive, and always
 * {@link stop} (in `afterEach`/`afterAll`), which also removes the temporary directory.
 */
export class Linphone {
  /** Whether linphonec is installed. */
  static available(): boolean {
    return Linphone.unavailableReason() === undefined;
  }

  /** Why linphonec cannot be used here, or undefined when it can. */
  static unavailableReason(): string | undefined {
    return findBinary() === undefined
      ? 'linphonec binary not found (install linphone-cli, or set LINPHONEC_BIN)'
      : undefined;
  }

  /** The options this instance was created with, defaults filled in. */
  readonly options: Required<Omit<LinphoneOptions, 'playFile'>> & Pick<LinphoneOptions, 'playFile'>;
  /** Local SIP port (UDP, 127.0.0.1), known after {@link start}. */
  sipPort = 0;
  /** The temporary HOME with the linphonerc, known after {@link start}. */
  dir = '';

  private child: ChildProcess | undefined;
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private exitPromise: Promise<void> = Promise.resolve();
  private outputText = '';
  private outputTotal = 0;
  private outputDumped = 0;
  private partialLine = '';
  /** Output lines (prompt stripped); `lines[i]` has line number `linesDropped + i`. */
  private lines: string[] = [];
  private linesDropped = 0;
  private readonly events: Array<{ event: LinphoneEvent; consumed: boolean }> = [];
  private readonly eventWaiters = new Set<EventWaiter>();
  private readonly lineWaiters = new Set<LineWaiter>();
  /** Serialises commands that wait for their own answer, so answers cannot be mixed up. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: LinphoneOptions = {}) {
    this.options = {
      user: 'linphone',
      dtmf: 'info',
      record: false,
      codecs: ['PCMU', 'PCMA'],
      sipTrace: true,
      startTimeoutMs: DEFAULT_TIMEOUT_MS,
      ...options,
    };
  }

  /** Where the recording goes when {@link LinphoneOptions.record} is set (after {@link start}). */
  get recordingPath(): string {
    return path.join(this.dir, 'recording.wav');
  }

  /**
   * Starts linphonec, switches it to file mode (play file, optional recording) and waits until
   * its SIP port is open.
   */
  async start(): Promise<void> {
    if (this.child !== undefined) throw new Error('linphonec already started');
    try {
      await this.launch();
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /**
   * Writes one line to linphonec's stdin, as if typed at its prompt (`calls`, `status hook`,
   * `param sip use_info` …). Nothing confirms it was handled; see {@link waitForOutput}.
   */
  command(line: string): void {
    const stdin = this.child?.stdin;
    if (stdin === undefined || stdin === null || this.exited !== undefined) {
      throw this.failure(`cannot send "${line}": linphonec is not running`);
    }
    if (/[\r\n]/.test(line)) throw new Error(`command must be one line: ${JSON.stringify(line)}`);
    stdin.write(`${line}\n`);
  }

  /**
   * Calls `uri` and resolves with linphonec's call id once the call is set up on its side
   * (INVITE on its way), without waiting for an answer: wait for `connected` yourself, or use
   * {@link call}.
   */
  startCall(uri: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<number> {
    return this.serial(async () => {
      const since = this.mark();
      const lineMark = this.lineMark();
      this.command(`call ${uri}`);
      // "Establishing call …" comes first; a URI it cannot call prints an error line instead.
      const outcome = await Promise.race([
        this.waitForEvent('establishing', timeoutMs, { since }).then((e) => e.callId ?? 0),
        this.waitForOutput(/^Error from linphone_core_invite/, timeoutMs, {
          since: lineMark,
        }).then((m) => {
          throw this.failure(`call ${uri} refused: ${m[0]}`);
        }),
      ]);
      return outcome;
    });
  }

  /**
   * Calls `uri` and resolves with the `connected` event once the callee answered; rejects if the
   * call fails or ends first.
   */
  async call(uri: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<LinphoneEvent> {
    const since = this.mark();
    const callId = await this.startCall(uri, timeoutMs);
    return this.waitForEvent('connected', timeoutMs, {
      since,
      match: (e) => e.callId === callId,
      failOn: ['error', 'ended'],
    });
  }

  /**
   * Sends DTMF digits (`0-9`, `*`, `#`) on the current call, by the configured method, and
   * resolves once linphonec has handed all of them to liblinphone. linphonec spaces digits by
   * one second (it sleeps after each), so this takes about a second per digit.
   */
  sendDtmf(digits: string, timeoutMs = DEFAULT_TIMEOUT_MS + digits.length * 1_500): Promise<void> {
    // linphonec's command parser treats a line starting with a digit, * or # as DTMF and
    // knows no other DTMF characters (A-D are not sendable from the console).
    if (!/^[0-9*#]+$/.test(digits)) {
      return Promise.reject(new Error(`unsupported DTMF digits: ${JSON.stringify(digits)}`));
    }
    return this.serial(async () => {
      this.command(digits);
      await this.sync(timeoutMs);
    });
  }

  /** Hangs up the current call and resolves with its `ended` event. */
  hangup(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<LinphoneEvent> {
    return this.serial(async () => {
      const since = this.mark();
      const lineMark = this.lineMark();
      this.command('terminate');
      return Promise.race([
        this.waitForEvent('ended', timeoutMs, { since }),
        this.waitForOutput(/^(No active calls?|There is no active call)\b/, timeoutMs, {
          since: lineMark,
        }).then(() => {
          throw this.failure('hangup: linphonec has no active call');
        }),
      ]);
    });
  }

  /** The sequence number the next event will get; pass as `since` to ignore older events. */
  mark(): number {
    return this.events.length;
  }

  /** Every event seen so far, in order. */
  history(): readonly LinphoneEvent[] {
    return this.events.map((e) => e.event);
  }

  /**
   * Resolves with the oldest not yet consumed event of `type` (buffered or future) and consumes
   * it, so consecutive waits see consecutive events. Rejects on timeout, on a `failOn` event, or
   * when linphonec exits.
   */
  waitForEvent(
    type: LinphoneEventType,
    timeoutMs = DEFAULT_TIMEOUT_MS,
    options: LinphoneWaitOptions = {},
  ): Promise<LinphoneEvent> {
    const { since = 0, match, failOn = [] } = options;
    const accepts = (event: LinphoneEvent): 'take' | 'fail' | 'skip' => {
      if (event.seq < since) return 'skip';
      if (event.type === type && (match === undefined || match(event))) return 'take';
      return failOn.includes(event.type) ? 'fail' : 'skip';
    };
    for (const entry of this.events) {
      if (entry.consumed) continue;
      const verdict = accepts(entry.event);
      if (verdict === 'skip') continue;
      entry.consumed = true;
      if (verdict === 'take') return Promise.resolve(entry.event);
      return Promise.reject(this.failure(`waiting for ${type}, got: ${entry.event.line}`));
    }
    if (this.exited !== undefined) {
      return Promise.reject(this.failure(`waiting for ${type}: linphonec has exited`));
    }
    return new Promise<LinphoneEvent>((resolve, reject) => {
      const waiter: EventWaiter = {
        accepts,
        resolve: (event) => {
          done();
          resolve(event);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      };
      const timer = setTimeout(
        () => waiter.reject(this.failure(`no ${type} event within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const done = (): void => {
        clearTimeout(timer);
        this.eventWaiters.delete(waiter);
      };
      this.eventWaiters.add(waiter);
    });
  }

  /** The number of the next output line; pass as `since` to {@link waitForOutput}. */
  lineMark(): number {
    return this.linesDropped + this.lines.length;
  }

  /**
   * Resolves with the first output line (from line number `since`, prompt stripped, no line
   * end) that matches `pattern`, already printed or future. Does not consume anything.
   */
  waitForOutput(
    pattern: RegExp,
    timeoutMs = DEFAULT_TIMEOUT_MS,
    options: { since?: number } = {},
  ): Promise<RegExpExecArray> {
    const since = options.since ?? 0;
    const re = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
    for (let i = Math.max(0, since - this.linesDropped); i < this.lines.length; i++) {
      const m = re.exec(this.lines[i] ?? '');
      if (m !== null) return Promise.resolve(m);
    }
    if (this.exited !== undefined) {
      return Promise.reject(this.failure(`waiting for output ${pattern}: linphonec has exited`));
    }
    return new Promise<RegExpExecArray>((resolve, reject) => {
      const waiter: LineWaiter = {
        since,
        pattern: re,
        resolve: (m) => {
          done();
          resolve(m);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      };
      const timer = setTimeout(
        () => waiter.reject(this.failure(`no output matching ${pattern} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const done = (): void => {
        clearTimeout(timer);
        this.lineWaiters.delete(waiter);
      };
      this.lineWaiters.add(waiter);
    });
  }

  /** {@link waitForEvent} for an event type, {@link waitForOutput} for a pattern. */
  waitFor(what: LinphoneEventType, timeoutMs?: number): Promise<LinphoneEvent>;
  waitFor(what: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  waitFor(
    what: LinphoneEventType | RegExp,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<LinphoneEvent | RegExpExecArray> {
    return typeof what === 'string'
      ? this.waitForEvent(what, timeoutMs)
      : this.waitForOutput(what, timeoutMs);
  }

  /**
   * Reads what linphonec recorded (the last call's audio as heard, 16-bit mono at the call's
   * sample rate). Complete once the call has ended: linphonec closes the file at call end.
   */
  async readRecording(): Promise<LinphoneRecording> {
    if (!this.options.record) throw new Error('linphonec was started without record: true');
    return parseWav(await readFile(this.recordingPath));
  }

  /** Everything linphonec wrote to stdout and stderr (the tail, if it was very long). */
  output(): string {
    return this.outputText;
  }

  /** Writes the captured output and events to stderr, for a failed test's report. */
  dumpOutput(reason = 'test failed'): void {
    // Print only what is new since an earlier dump of the same long-lived instance.
    const fresh = Math.min(this.outputTotal - this.outputDumped, this.outputText.length);
    const earlier = this.outputDumped > 0 ? '(earlier output was printed above)\n' : '';
    this.outputDumped = this.outputTotal;
    const events = this.history()
      .map((e) => `#${e.seq} ${e.line}`)
      .join('\n  ');
    process.stderr.write(
      `\n===== linphonec ${this.options.user} (${reason}) — events:\n  ${events || '(none)'}\n` +
        `----- new output:\n${earlier}${fresh > 0 ? this.outputText.slice(-fresh) : ''}\n` +
        `===== end linphonec ${this.options.user}\n`,
    );
  }

  /**
   * Quits linphonec (`quit`, which also ends any call; SIGTERM and then SIGKILL if it lingers)
   * and removes the temporary directory. Safe to call more than once and after a failed start.
   */
  async stop(): Promise<void> {
    const child = this.child;
    if (child !== undefined && this.exited === undefined) {
      try {
        this.command('quit');
      } catch {
        // stdin already gone: the signals below still apply.
      }
      const term = setTimeout(() => child.kill('SIGTERM'), STOP_GRACE_MS);
      const kill = setTimeout(() => child.kill('SIGKILL'), 2 * STOP_GRACE_MS);
      await this.exitPromise;
      clearTimeout(term);
      clearTimeout(kill);
    }
    this.child = undefined;
    if (this.dir !== '') {
      await rm(this.dir, { recursive: true, force: true });
      this.dir = '';
    }
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Resolves once linphonec has handled everything written before: it reads stdin one line at
   * a time, so the answer to a trailing `param` read comes after all earlier input.
   */
  private async sync(timeoutMs: number): Promise<void> {
    const since = this.lineMark();
    this.command(SYNC_COMMAND);
    await this.waitForOutput(SYNC_ANSWER, timeoutMs, { since });
  }

  private async launch(): Promise<void> {
    const binary = findBinary();
    if (binary === undefined) throw new Error(Linphone.unavailableReason());
    this.dir = await mkdtemp(path.join(os.tmpdir(), `switchboard-linphone-${this.options.user}-`));
    // liblinphone keeps more sqlite files (call history, ZRTP cache) under
    // $HOME/.local/share/linphone and logs an error for each when that directory is missing.
    await mkdir(path.join(this.dir, '.local', 'share', 'linphone'), { recursive: true });
    await mkdir(path.join(this.dir, 'run'), { recursive: true, mode: 0o700 });
    const rcPath = path.join(this.dir, 'linphonerc');
    await writeFile(rcPath, this.rcText());
    let playFile = this.options.playFile;
    if (playFile === undefined) {
      playFile = path.join(this.dir, 'silence.wav');
      await writeFile(playFile, wavBytes(new Int16Array(8000), 8000));
    }
    if (/\s/.test(playFile) || /\s/.test(this.dir)) {
      // The paths travel on linphonec's command line (`play <file>`); whitespace in them was
      // never tried against its parser, so refuse instead of guessing.
      throw new Error(`paths with whitespace are not supported: ${playFile} / ${this.dir}`);
    }

    const args = ['-c', rcPath, '-d', this.options.sipTrace ? '5' : '0'];
    const child = spawn(binary, args, {
      cwd: this.dir,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...process.env,
        // Its history, ZRTP cache and PulseAudio client state would otherwise go to the real
        // HOME and /tmp; an explicit PulseAudio server that does not exist stops libpulse from
        // auto-spawning a daemon on machines that have one installed.
        HOME: this.dir,
        XDG_RUNTIME_DIR: path.join(this.dir, 'run'),
        XDG_CONFIG_HOME: path.join(this.dir, '.config'),
        XDG_DATA_HOME: path.join(this.dir, '.local', 'share'),
        PULSE_SERVER: `unix:${path.join(this.dir, 'no-pulseaudio')}`,
      },
    });
    this.child = child;
    trackChild(child);
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exited = { code, signal };
        this.failWaiters(`linphonec exited (code ${code}, signal ${signal})`);
        resolve();
      });
      child.once('error', (err) => {
        this.appendOutput(`[spawn error] ${err.message}\n`);
        this.exited ??= { code: null, signal: null };
        this.failWaiters(`linphonec could not be started: ${err.message}`);
        resolve();
      });
    });
    // A write after linphonec died raises EPIPE on stdin; the exit handler reports it.
    child.stdin?.on('error', (err) => this.appendOutput(`[stdin error] ${err.message}\n`));
    child.stdout?.on('data', (chunk: Buffer) => this.appendOutput(chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => this.appendOutput(chunk.toString('utf8')));

    const deadline = Date.now() + this.options.startTimeoutMs;
    // There is no config key for file mode, play file or record file (liblinphone only has API
    // calls for them), so they are console commands.
    this.command('soundcard use files');
    this.command(`play ${playFile}`);
    if (this.options.record) this.command(`record ${this.recordingPath}`);
    // The SIP port opens on the core's first iterations, after start-up: poll `ports` until it
    // reports one (a random port, chosen by liblinphone, so no other process can race for it).
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw this.failure('SIP port not open in time');
      const since = this.lineMark();
      this.command('ports');
      const m = await this.waitForOutput(/^sip port = (-?\d+)$/, remaining, { since });
      const port = Number(m[1]);
      if (port > 0) {
        this.sipPort = port;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private rcText(): string {
    const { user, dtmf, codecs } = this.options;
    const lines = [
      '# Generated by test/e2e/helpers/linphone.ts',
      '[sip]',
      // -1: a random free port; TCP and TLS off. Everything on loopback, IPv4 only, so that the
      // SDP says c=IN IP4 127.0.0.1 rather than the host's IPv6 address.
      'sip_port=-1',
      'sip_tcp_port=0',
      'sip_tls_port=0',
      'bind_address=127.0.0.1',
      'use_ipv6=0',
      `contact=sip:${user}@127.0.0.1`,
      'guess_hostname=0',
      'ping_with_options=0',
      `use_info=${dtmf === 'info' ? 1 : 0}`,
      `use_rfc2833=${dtmf === 'rfc4733' ? 1 : 0}`,
      'inc_timeout=60',
      'in_call_timeout=0',
      '',
      '[rtp]',
      'audio_rtp_port=-1',
      // Pins the media address in SDP (and the RTP socket) to loopback.
      'bind_address=127.0.0.1',
      // The default 30 s would hang up on a peer that sends no RTP, as test peers often do.
      'nortp_timeout=3600',
      '',
      '[sound]',
      // The echo canceller would filter the played file against the received audio.
      'echocancellation=0',
      '',
      '[video]',
      'capture=0',
      'display=0',
      'automatically_initiate=0',
      'automatically_accept=0',
      '',
      '[storage]',
      // Without a database it can open, the core never leaves the Startup state.
      `uri=${path.join(this.dir, 'linphone.db')}`,
      '',
      '[misc]',
      // Offer exactly the configured codecs, not every codec the library knows.
      'add_missing_audio_codecs=0',
      '',
    ];
    codecs.forEach((name, i) => {
      const c = CODECS[name];
      lines.push(
        `[audio_codec_${i}]`,
        `mime=${c.mime}`,
        `rate=${c.rate}`,
        `channels=${c.channels}`,
        'enabled=1',
        '',
      );
    });
    return lines.join('\n');
  }

  private appendOutput(text: string): void {
    this.outputText += text;
    this.outputTotal += text.length;
    if (this.outputText.length > OUTPUT_LIMIT_BYTES) {
      this.outputText = this.outputText.slice(-OUTPUT_LIMIT_BYTES);
    }
    const parts = (this.partialLine + text).split('\n');
    this.partialLine = parts.pop() ?? '';
    for (const raw of parts) this.onLine(raw);
  }

  private onLine(raw: string): void {
    // Readline redraws the prompt before asynchronous output, so state lines can start with
    // one or more prompts; carriage returns come from readline too.
    let line = raw.replace(/\r/g, '');
    while (line.startsWith(PROMPT)) line = line.slice(PROMPT.length);
    line = line.trimEnd();
    this.lines.push(line);
    if (this.lines.length > LINE_LIMIT) {
      const drop = this.lines.length - LINE_LIMIT;
      this.lines.splice(0, drop);
      this.linesDropped += drop;
    }
    const lineNumber = this.lineMark() - 1;
    for (const waiter of this.lineWaiters) {
      if (lineNumber < waiter.since) continue;
      const m = waiter.pattern.exec(line);
      if (m !== null) waiter.resolve(m);
    }
    for (const { type, re, fields } of EVENT_PATTERNS) {
      const m = re.exec(line);
      if (m === null) continue;
      this.onEvent({ seq: this.events.length, type, line, ...fields(m) });
      return;
    }
  }

  private onEvent(event: LinphoneEvent): void {
    const entry = { event, consumed: false };
    this.events.push(entry);
    for (const waiter of this.eventWaiters) {
      const verdict = waiter.accepts(event);
      if (verdict === 'skip') continue;
      entry.consumed = true;
      if (verdict === 'take') waiter.resolve(event);
      else waiter.reject(this.failure(`got: ${event.line}`));
      return;
    }
  }

  private failWaiters(reason: string): void {
    for (const waiter of this.eventWaiters) waiter.reject(this.failure(reason));
    for (const waiter of this.lineWaiters) waiter.reject(this.failure(reason));
  }

  /** An error whose message carries the recent events and output, for a readable failure. */
  private failure(message: string): Error {
    const recent = this.history()
      .slice(-15)
      .map((e) => `#${e.seq} ${e.line}`)
      .join('\n  ');
    return new Error(
      `linphonec ${this.options.user}: ${message}\n recent events:\n  ${recent || '(none)'}\n` +
        ` output tail:\n${this.outputText.slice(-4_000)}`,
    );
  }
}

/**
 * `describe` that runs only when linphonec is installed: skipped (with the reason in the title)
 * when it is not, but failing when `SWITCHBOARD_E2E=required` says it must be there (CI), so a
 * missing package can never turn the e2e run silently green.
 */
export function describeWithLinphone(title: string, body: () => void): void {
  const missing = Linphone.unavailableReason();
  if (missing === undefined) {
    describe(title, body);
    return;
  }
  if (process.env.SWITCHBOARD_E2E === 'required') {
    describe(title, () => {
      it('has linphonec installed', () => {
        throw new Error(`linphonec not installed: ${missing} (SWITCHBOARD_E2E=required)`);
      });
    });
    return;
  }
  describe.skip(`${title} [skipped: ${missing}; SWITCHBOARD_E2E=required makes this fail]`, body);
}

/**
 * Registers an `afterEach` that prints the output and events of the given instances when the
 * test failed: with `sipTrace` the output holds every SIP message linphonec sent and received.
 * Vitest runs afterEach hooks last-registered first, so call this after registering an
 * `afterEach` that stops the instances, or there is nothing left to print.
 */
export function dumpLinphoneOnFailure(instances: () => Array<Linphone | undefined>): void {
  afterEach((ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    for (const instance of instances()) {
      instance?.dumpOutput(`after failed test "${ctx.task.name}"`);
    }
  });
}
