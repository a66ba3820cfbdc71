/**
 * The composition root: the only place that picks concrete implementations and wires the
 * rooms together. `startSwitchboard` starts a whole server from a validated configuration.
 */
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import {
  buildApiServer,
  EVENT_TYPE_NAMES,
  registerCallControlRoutes,
  registerChatRoutes,
  registerChatSocket,
  registerEventsSocket,
  storeKeyVerifier,
  WebhookDispatcher,
} from './api/index.js';
import type { AppConfig } from './config/index.js';
import { ASSETS_DIR, buildCallPlane } from './app-calls.js';
import { buildVoicePlane } from './app-voice.js';
import { agentRunnerWithTransfers, buildDialogPlane, type DialogPlane } from './app-dialog.js';
import { writeDemoDialogDocuments } from './dialog/index.js';
import {
  ensureDemoTenant,
  type CallService,
  type DemoTenant,
  type LiveCallControl,
  type LiveCalls,
  type RoomRegistry,
} from './calls/index.js';
import type { ProviderFactories } from './app-voice.js';
import type { VoiceRuntime } from './voice/index.js';
import { SipLeg } from './channels/index.js';
import { createCacheAndBus, openStore, type CacheAndBus, type Store } from './store/index.js';
import { MediaClock, repairRecordings, RtpPortPool } from './media/index.js';
import { createLogger, createMetrics, type Logger, type Metrics } from './observability/index.js';
import {
  DigestChallenger,
  MemoryRegistrationStore,
  Registrar,
  TransactionLayer,
  TransportLayer,
  UserAgent,
  hostPort,
  type TransportEndpoint,
  type TransportOptions,
} from './sip/index.js';

export type { AppConfig } from './config/index.js';

/** A running server. */
export interface Switchboard {
  config: AppConfig;
  ua: UserAgent;
  logger: Logger;
  metrics: Metrics;
  /** Live legs with media: play, record, bridge, DTMF events. */
  calls: CallService;
  /** Live calls and their participants (the records behind /v1/calls). */
  liveCalls: LiveCalls;
  /** Call control as the API offers it: dial, hang up, DTMF, play, transfer, mute, hold, move. */
  control: LiveCallControl;
  /** Named rooms with their members. */
  rooms: RoomRegistry;
  /** The demo tenant created at this start (empty database), if one was. */
  demoTenant?: DemoTenant;
  /** AI agents on calls (absent when no speech providers could be set up). */
  voice?: VoiceRuntime;
  /** What the voice plane uses and what it could not set up, for the banner. */
  voiceReport: string[];
  /** Stored agents, conversations, chat sessions and document validators. */
  dialog: DialogPlane;
  /** The shared 20 ms media clock. */
  clock: MediaClock;
  /** The bound SIP endpoints (real ports when 0 was configured). */
  sipEndpoints(): TransportEndpoint[];
  /** Open SIP connections (TCP, TLS, WebSocket). */
  sipConnections(): number;
  /** The bound HTTP port. */
  httpPort: number;
  /** Trunks, rules, calls, keys and webhooks. */
  store: Store;
  /** Cache and event bus (in-process, or Redis when REDIS_URL is set). */
  cacheAndBus: CacheAndBus;
  /**
   * The admin API key created at this start because the store had none: shown once (the
   * banner prints it), never stored in clear. Undefined on later starts.
   */
  initialAdminKey?: string;
  /** Graceful stop: refuse new calls, end live ones, finish transactions, close sockets. */
  stop(): Promise<void>;
}

/** Options that are not configuration (tests inject a logger). */
export interface StartOptions {
  logger?: Logger;
  /**
   * An already open store to use instead of opening one from the configuration (tests share
   * a fast one). The caller keeps ownership: stop() does not close it.
   */
  store?: Store;
  /** Speech providers beyond the built-in ones, by id (tests add fakes of cloud vendors). */
  voiceProviders?: Partial<ProviderFactories>;
}

/** The address other hosts should use to reach us when we bind to a wildcard. */
export function detectPublicHost(bindHost: string): string {
  if (bindHost !== '0.0.0.0' && bindHost !== '::') return bindHost;
  for (const list of Object.values(networkInterfaces())) {
    for (const addr of list ?? []) {
      if (addr.family === 'IPv4' && !addr.internal) return addr.address;
    }
  }
  return '127.0.0.1';
}

function transportOptions(config: AppConfig, publicHost: string): TransportOptions {
  const { sip } = config;
  const host = sip.host;
  const opts: TransportOptions = {
    maxMessageBytes: sip.maxMessageBytes,
    publicHost,
    // Longer than the longest registration (3600 s): a phone registered over TCP that sends
    // no keep-alives must stay reachable on its connection until it re-registers.
    idleTimeoutMs: (3600 + 300) * 1000,
  };
  const pem = (path: string | undefined): Buffer => readFileSync(path ?? '');
  for (const t of sip.transports) {
    if (t === 'udp') opts.udp = { host, port: sip.port };
    if (t === 'tcp') opts.tcp = { host, port: sip.port };
    if (t === 'ws') opts.ws = { host, port: sip.wsPort };
    if (t === 'tls')
      opts.tls = { host, port: sip.tlsPort, cert: pem(sip.tlsCert), key: pem(sip.tlsKey) };
    if (t === 'wss')
      opts.wss = { host, port: sip.wssPort, cert: pem(sip.tlsCert), key: pem(sip.tlsKey) };
  }
  return opts;
}

/** Starts the server described by `config`. */
export async function startSwitchboard(
  config: AppConfig,
  options: StartOptions = {},
): Promise<Switchboard> {
  const logger = options.logger ?? createLogger({ level: config.logLevel, logPii: config.logPii });
  const metrics = createMetrics();
  await mkdir(config.dataDir, { recursive: true });

  // The data layer comes first: a database that cannot be opened stops start-up before any
  // port is bound, and nothing below has to cope with a missing store.
  const ownsStore = options.store === undefined;
  const store =
    options.store ??
    (await openStore({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      logger: logger.child({ room: 'store' }),
    }));
  let cacheAndBus: CacheAndBus;
  try {
    cacheAndBus = await createCacheAndBus({
      redisUrl: config.redisUrl,
      onError: (err) => logger.error({ err: (err as Error).message }, 'event handler failed'),
    });
  } catch (err) {
    if (ownsStore) await store.close();
    throw err;
  }
  const initialAdminKey = await ensureAdminKey(store, logger);
  const demoTenant = config.demoTenant
    ? await ensureDemoTenant(
        store,
        { echo: config.sip.testExtension, ivr: '2000', room: '2100' },
        writeDemoDialogDocuments,
      )
    : undefined;
  if (demoTenant) {
    logger.info(
      { trunkId: demoTenant.trunk.id, rules: demoTenant.rules.map((r) => r.id) },
      'created the demo tenant',
    );
  }
  const publicHost = config.sip.publicHost ?? detectPublicHost(config.sip.host);
  const domain = config.sip.domain ?? publicHost;

  const transport = new TransportLayer(transportOptions(config, publicHost));
  transport.onError((err, context) =>
    logger.warn({ err: err.message, context }, 'SIP transport error'),
  );
  // T2 and T4 keep their RFC ratios to T1 (4 s and 5 s for the default 500 ms).
  const t1Ms = config.sip.t1Ms;
  const transactions = new TransactionLayer(transport, { t1Ms, t2Ms: t1Ms * 8, t4Ms: t1Ms * 10 });
  transactions.onError((err) =>
    logger.error({ err: err.message }, 'SIP transaction callback failed'),
  );
  const users = new Map(config.sip.users.map((u) => [u.username, u.password]));
  const challenger = new DigestChallenger({
    realm: config.sip.realm,
    algorithms: config.sip.digestAlgorithms,
    lookup: async (username) => {
      const password = users.get(username);
      return password === undefined ? undefined : { password };
    },
  });
  const registrations = new MemoryRegistrationStore();
  const registrar = new Registrar({
    store: registrations,
    challenger,
    onChange: (change) => {
      if (change.type === 'added') metrics.sip.registrations.inc();
      else if (change.type !== 'refreshed') metrics.sip.registrations.dec();
      logger.info({ event: change.type, pii: { aor: change.aor } }, 'registration changed');
    },
  });
  const rtpPorts = new RtpPortPool({
    host: config.sip.host,
    portMin: config.rtp.portMin,
    portMax: config.rtp.portMax,
  });
  const ua = new UserAgent({
    transport,
    transactions,
    registrar,
    registrations,
    domain,
    userAgentName: 'Switchboard/0.1',
    logger: logger.child({ room: 'sip' }),
    defaultMedia: () => ({ address: publicHost, port: 9, direction: 'inactive' }),
  });
  wireMetrics(ua, transport, metrics);

  const recordingsDir = config.media.recordingsDir ?? path.join(config.dataDir, 'recordings');
  await mkdir(recordingsDir, { recursive: true });
  // A crash leaves recordings with placeholder header sizes; fix them before anything else.
  const repair = await repairRecordings(recordingsDir);
  if (repair.repaired.length > 0 || repair.failed.length > 0) {
    logger.warn(
      { repaired: repair.repaired.length, failed: repair.failed.length },
      'repaired interrupted recordings',
    );
  }
  const clock = new MediaClock({
    onError: (err) => logger.error({ err: (err as Error).message }, 'media tick failed'),
  });
  const dialog = buildDialogPlane({ store, cacheAndBus, logger });
  const apologyFile = path.join(ASSETS_DIR, 'prompts', 'apology.wav');
  const voicePlane = await buildVoicePlane({
    config,
    store,
    metrics,
    logger,
    apologyFile,
    extraProviders: options.voiceProviders,
    agents: dialog.catalog,
  });
  // Flows reach call control and the legs lazily: the call plane is built with them.
  const late: { plane?: Awaited<ReturnType<typeof buildCallPlane>> } = {};
  const flows = dialog.flows({
    voice: voicePlane,
    calls: () => late.plane!.calls,
    control: () => late.plane!.control,
    apologyFile,
    language: config.voice.language,
  });
  const plane = await buildCallPlane({
    agents:
      voicePlane.runtime &&
      agentRunnerWithTransfers(voicePlane.runtime, {
        control: () => late.plane!.control,
        calls: () => late.plane!.calls,
        goodbyeFile: path.join(ASSETS_DIR, 'prompts', 'goodbye.wav'),
        logger,
      }),
    flows,
    config,
    ua,
    rtpPorts,
    clock,
    publicHost,
    recordingsDir,
    store,
    cacheAndBus,
    sipPort: () => {
      // The bound UDP port (or the first endpoint's), known once the transport has started.
      const endpoints = transport.endpoints();
      return (endpoints.find((e) => e.protocol === 'udp') ?? endpoints[0])?.port ?? config.sip.port;
    },
    logger,
  });
  late.plane = plane;
  const { calls, rooms, liveCalls, control, router } = plane;
  wireMediaMetrics(calls, metrics);
  const latenessTimer = setInterval(
    () => metrics.media.tickLatenessSeconds.set(clock.averageLatenessMs / 1000),
    1000,
  );
  latenessTimer.unref();
  ua.on('call', (call) => void router.handle(call));

  // Expired registrations vanish lazily on lookup; this sweep keeps the gauge and store true.
  const pruneTimer = setInterval(() => {
    registrar
      .registrations()
      .then((all) => {
        let count = 0;
        for (const bindings of all.values()) count += bindings.length;
        metrics.sip.registrations.set(count);
      })
      .catch((err: Error) => logger.warn({ err: err.message }, 'registration sweep failed'));
  }, 60_000);
  pruneTimer.unref();

  await transport.start();
  const http = buildApiServer({
    store,
    metrics: metrics.registry,
    logger: logger.child({ room: 'api' }),
    eventTypes: EVENT_TYPE_NAMES,
    dialogValidators: dialog.validators,
    routes: [
      (router) => registerCallControlRoutes(router, control),
      (router) => registerChatRoutes(router, dialog.chat),
    ],
    registrations: async () =>
      [...(await registrar.registrations())].flatMap(([aor, bindings]) =>
        bindings.map((b) => ({
          aor,
          contact: b.contact,
          expiresAt: new Date(b.expiresAt),
          transport: b.source?.protocol,
        })),
      ),
    health: () => ({
      status: stopping ? 'stopping' : 'ok',
      sip: transport.endpoints().map((e) => `${e.protocol}:${hostPort(e.host, e.port)}`),
      calls: ua.calls().length,
      store: store.kind,
      bus: cacheAndBus.kind,
      uptimeS: Math.round(process.uptime()),
    }),
  });
  await registerEventsSocket(http, { bus: cacheAndBus.bus, verify: storeKeyVerifier(store) });
  await registerChatSocket(http, { chat: dialog.chat, verify: storeKeyVerifier(store) });
  const webhooks = new WebhookDispatcher({
    webhooks: store.webhooks,
    bus: cacheAndBus.bus,
    onResult: (outcome) => metrics.api.webhookDeliveries.inc({ outcome }),
    onError: (err) => logger.warn({ err: (err as Error).message }, 'webhook dispatcher error'),
  });
  await webhooks.start();
  let stopping = false;
  const httpPort = await listen(http, config).catch(async (err: Error) => {
    await webhooks.stop();
    await transport.stop();
    await cacheAndBus.close();
    if (ownsStore) await store.close();
    throw err;
  });

  return {
    config,
    ua,
    logger,
    metrics,
    calls,
    liveCalls,
    control,
    rooms,
    demoTenant,
    voice: voicePlane.runtime,
    voiceReport: [...voicePlane.report, ...dialog.report],
    dialog,
    clock,
    sipEndpoints: () => transport.endpoints(),
    sipConnections: () => transport.stats().connections,
    httpPort,
    store,
    cacheAndBus,
    initialAdminKey,
    stop: async () => {
      if (stopping) return;
      stopping = true;
      clearInterval(pruneTimer);
      clearInterval(latenessTimer);
      logger.info({ calls: ua.calls().length }, 'shutting down');
      const grace = new Promise<void>((r) => setTimeout(r, config.shutdownGraceMs).unref());
      voicePlane.runtime?.stopAll();
      await dialog.stop();
      await Promise.race([ua.shutdown(), grace]);
      clock.stop();
      await transport.stop();
      await liveCalls.flush();
      // HTTP (and its event sockets) first, then the webhook worker, the bus, the store last:
      // each may still use what closes after it.
      await http.close();
      await webhooks.stop();
      await cacheAndBus.close();
      await voicePlane.stop();
      if (ownsStore) await store.close();
    },
  };
}

/**
 * Creates the first admin key when the store has no usable key (a fresh install, or every key
 * revoked), so an operator is never locked out. Returns it for the banner: it exists in clear
 * nowhere else.
 */
async function ensureAdminKey(store: Store, logger: Logger): Promise<string | undefined> {
  if ((await store.apiKeys.count()) > 0) return undefined;
  const { record, key } = await store.apiKeys.create({ name: 'admin', scopes: ['admin'] });
  logger.info({ keyId: record.id, prefix: record.prefix }, 'created the first admin API key');
  return key;
}

async function listen(http: FastifyInstance, config: AppConfig): Promise<number> {
  await http.listen({ host: config.http.host, port: config.http.port });
  const addr = http.server.address();
  return typeof addr === 'object' && addr ? addr.port : config.http.port;
}

function wireMediaMetrics(calls: CallService, metrics: Metrics): void {
  const m = metrics.media;
  calls.on('leg', () => m.activeLegs.set(calls.legs().length));
  calls.on('dtmf', (_leg, event) => m.dtmfEvents.inc({ source: event.source }));
  calls.on('recorded', () => m.recordings.inc());
  calls.on('legEnded', (leg) => {
    m.activeLegs.set(calls.legs().length);
    if (!(leg instanceof SipLeg)) return;
    const stats = leg.stats();
    m.rtpPacketsReceived.inc(stats.rtp.packetsReceived);
    m.rtpPacketsSent.inc(stats.rtp.packetsSent);
    m.rtpPacketsLost.inc(Math.max(0, stats.rtp.packetsLost));
    m.rtpJitterSeconds.observe(stats.rtp.jitterMs / 1000);
    for (const [reason, count] of Object.entries(stats.rtp.dropped)) {
      if (count > 0) m.rtpPacketsDropped.inc({ reason }, count);
    }
    if (stats.jitter.late > 0) m.rtpPacketsDropped.inc({ reason: 'late' }, stats.jitter.late);
    if (stats.jitter.duplicates > 0) {
      m.rtpPacketsDropped.inc({ reason: 'duplicate' }, stats.jitter.duplicates);
    }
  });
}

function wireMetrics(ua: UserAgent, transport: TransportLayer, metrics: Metrics): void {
  const m = metrics.sip;
  ua.on('response', (status) => m.responsesSent.inc({ code: String(status) }));
  ua.on('dropped', (reason) => m.messagesDropped.inc({ reason }));
  ua.on('malformed', (status) => m.malformedAnswered.inc({ status: String(status) }));
  ua.on('callStarted', () => m.activeCalls.set(ua.calls().length));
  ua.on('callEnded', (call) => {
    m.activeCalls.set(ua.calls().length);
    m.callsEnded.inc({ result: call.endInfo?.reason ?? 'unknown' });
  });
  transport.onMessage((msg) =>
    m.messagesReceived.inc({ transport: msg.source?.protocol ?? 'unknown', kind: msg.kind }),
  );
}
