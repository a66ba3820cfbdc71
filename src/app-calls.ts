/**
 * Part of the composition root: builds the call plane — legs (CallService), rooms, the live
 * call model, call control and the inbound router — from the configuration, and publishes
 * what it reports (trunk refusals, call events) on the event bus. Split from app.ts by role.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EVENT_TYPES, publishEvent } from './api/index.js';
import {
  CallService,
  InboundRouter,
  LiveCallControl,
  LiveCalls,
  RoomRegistry,
  TrunkAdmission,
  type AgentRunner,
  type FlowLauncher,
} from './calls/index.js';
import type { AppConfig } from './config/index.js';
import type { MediaClock, RtpPortPool } from './media/index.js';
import type { Logger } from './observability/index.js';
import { hostPort, type SipCall, type UserAgent } from './sip/index.js';
import type { CacheAndBus, Store } from './store/index.js';

/** Media shipped with the package (prompts, hold music). */
export const ASSETS_DIR = fileURLToPath(new URL('../assets', import.meta.url));

const bundled = (name: string): string => path.join(ASSETS_DIR, 'prompts', name);

/** What {@link buildCallPlane} needs. */
export interface CallPlaneDeps {
  config: AppConfig;
  ua: UserAgent;
  rtpPorts: RtpPortPool;
  clock: MediaClock;
  publicHost: string;
  recordingsDir: string;
  store: Store;
  cacheAndBus: CacheAndBus;
  /** Runs AI agents for `agent` rules (the voice plane), when there are speech providers. */
  agents?: AgentRunner;
  /** Runs flows for `flow` rules (the dialog plane), when there are speech providers. */
  flows?: FlowLauncher;
  /** The SIP port other parties reach us on (REFER targets). */
  sipPort: () => number;
  logger: Logger;
}

/** The call plane's parts. */
export interface CallPlane {
  calls: CallService;
  rooms: RoomRegistry;
  liveCalls: LiveCalls;
  control: LiveCallControl;
  router: InboundRouter;
}

/** Builds the call plane; see the module comment. */
export async function buildCallPlane(deps: CallPlaneDeps): Promise<CallPlane> {
  const { config, store, cacheAndBus, logger, clock } = deps;
  const calls = new CallService({
    ua: deps.ua,
    rtpPorts: deps.rtpPorts,
    clock,
    publicHost: deps.publicHost,
    codecs: config.media.codecs,
    leg: {
      inactivityTimeoutMs: config.rtp.timeoutS * 1000,
      jitterMinDelayMs: config.rtp.jitterMinMs,
      jitterMaxDelayMs: config.rtp.jitterMaxMs,
      inbandDtmf:
        config.media.inbandDtmf === 'auto' ? undefined : config.media.inbandDtmf === 'always',
    },
    recording: {
      dir: deps.recordingsDir,
      mode: config.media.recordingMode,
      all: config.media.recordCalls,
    },
    logger: logger.child({ room: 'calls' }),
  });
  const rooms = new RoomRegistry(clock);
  const liveCalls = new LiveCalls({
    store,
    publish: (event) => publishEvent(cacheAndBus.bus, event),
    logger: logger.child({ room: 'history' }),
  });
  const mediaDir = path.resolve(config.media.filesDir ?? path.join(config.dataDir, 'media'));
  await mkdir(mediaDir, { recursive: true });
  const control = new LiveCallControl({
    calls,
    live: liveCalls,
    rooms,
    store,
    cache: cacheAndBus.cache,
    mediaRoots: [mediaDir, ASSETS_DIR],
    holdMusicFile: bundled('hold-music.wav'),
    ourUri: (user) => `sip:${user}@${hostPort(deps.publicHost, deps.sipPort())}`,
    defaultRingTimeoutS: config.dispatch.ringTimeoutS,
    logger: logger.child({ room: 'control' }),
  });
  const onTrunkRejected = (
    call: SipCall,
    decision: { status: number; reason: string; trunkId?: string },
  ): void => {
    logger.info(
      {
        event: 'trunk-rejected',
        status: decision.status,
        pii: { source: call.invite.source?.host },
      },
      'inbound call refused by trunk admission',
    );
    void publishEvent(cacheAndBus.bus, {
      type: EVENT_TYPES.TRUNK_REJECTED,
      data: {
        status: decision.status,
        reason: decision.reason,
        sourceAddress: call.invite.source?.host,
        ...(decision.trunkId ? { trunkId: decision.trunkId } : {}),
      },
    }).catch((err: Error) => logger.warn({ err: err.message }, 'could not publish trunk.rejected'));
  };
  const router = new InboundRouter({
    calls,
    live: liveCalls,
    rooms,
    rules: () => store.dispatchRules.list(),
    admission: new TrunkAdmission({
      trunks: () => store.trunks.listInbound(),
      cache: cacheAndBus.cache,
    }),
    noMatchStatus: config.dispatch.noMatchStatus === 480 ? 480 : 404,
    extensions: {
      echo: config.sip.testExtension,
      prompt: config.media.promptExtension,
      promptFile: config.media.promptFile ?? bundled('welcome.wav'),
    },
    prompts: {
      enterPin: bundled('enter-pin.wav'),
      wrongPin: bundled('wrong-pin.wav'),
      goodbye: bundled('goodbye.wav'),
    },
    userRingTimeoutMs: config.dispatch.ringTimeoutS * 1000,
    agents: deps.agents,
    flows: deps.flows,
    onTrunkRejected,
    logger: logger.child({ room: 'routing' }),
  });
  return { calls, rooms, liveCalls, control, router };
}
