/**
 * The configuration schema. Every setting has a default so that `npm start` works with nothing
 * configured; a bad value stops start-up with a message naming the setting.
 */
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);

/** Transports the SIP server can listen on. */
export const SIP_TRANSPORTS = ['udp', 'tcp', 'tls', 'ws', 'wss'] as const;

/** One SIP user that may register and be called (agents' phones, softphones). */
export const sipUserSchema = z.object({
  username: z.string().min(1),
  password: z.string().min(1),
});

/** Schema of the whole configuration, after merging file and environment. */
export const configSchema = z
  .object({
    sip: z
      .object({
        host: z.string().min(1).default('0.0.0.0'),
        port: port.default(5060),
        transports: z.array(z.enum(SIP_TRANSPORTS)).min(1).default(['udp', 'tcp']),
        tlsPort: port.default(5061),
        wsPort: port.default(8088),
        wssPort: port.default(8089),
        tlsCert: z.string().optional(),
        tlsKey: z.string().optional(),
        /** The host name or address put in Contact/Via; defaults to the host or a local IP. */
        publicHost: z.string().optional(),
        domain: z.string().optional(),
        realm: z.string().default('switchboard'),
        /**
         * Digest algorithms offered in challenges, strongest first. MD5 alone by default:
         * many deployed phones (baresip 1.0 among them) refuse a challenge set that includes
         * SHA-256, so SHA-256 (RFC 8760) is opt-in.
         */
        digestAlgorithms: z
          .array(z.enum(['MD5', 'SHA-256']))
          .min(1)
          .default(['MD5']),
        users: z.array(sipUserSchema).default([]),
        maxMessageBytes: z.coerce.number().int().min(1024).max(1_048_576).default(65_535),
        /** RFC 3261 T1 (round-trip estimate); every transaction timer scales with it. */
        t1Ms: z.coerce.number().int().min(1).max(10_000).default(500),
        /** Extension answered by the built-in test line (the echo test once media exists). */
        testExtension: z.string().default('1000'),
      })
      .strict()
      .prefault({}),
    http: z
      .object({
        host: z.string().min(1).default('0.0.0.0'),
        port: port.default(8080),
      })
      .strict()
      .prefault({}),
    rtp: z
      .object({
        portMin: port.default(10_000),
        portMax: port.default(20_000),
        /** No RTP for this long (while the peer should send) ends the call; 0 = never. */
        timeoutS: z.coerce.number().min(0).max(86_400).default(60),
        /** Jitter buffer depth bounds; the buffer adapts between them. */
        jitterMinMs: z.coerce.number().int().min(0).max(1000).default(20),
        jitterMaxMs: z.coerce.number().int().min(20).max(2000).default(200),
      })
      .strict()
      .refine((r) => r.portMin <= r.portMax, {
        message: 'rtp.portMin must not be greater than rtp.portMax',
        path: ['portMin'],
      })
      .refine((r) => r.jitterMinMs <= r.jitterMaxMs, {
        message: 'rtp.jitterMinMs must not be greater than rtp.jitterMaxMs',
        path: ['jitterMinMs'],
      })
      .prefault({}),
    media: z
      .object({
        /** Codecs offered and accepted, most preferred first. */
        codecs: z
          .array(z.enum(['PCMU', 'PCMA', 'G722', 'opus', 'L16']))
          .min(1)
          .default(['PCMU', 'PCMA', 'G722', 'opus']),
        /** Record every answered call (both directions) into recordingsDir. */
        recordCalls: z
          .union([z.boolean(), z.enum(['true', 'false'])])
          .transform((v) => v === true || v === 'true')
          .default(false),
        /** Default `<dataDir>/recordings`. */
        recordingsDir: z.string().optional(),
        /** stereo (caller left, other party right), mono (mixed) or both files. */
        recordingMode: z.enum(['stereo', 'mono', 'both']).default('both'),
        /** Extension that plays promptFile and hangs up (the prompt test). */
        promptExtension: z.string().default('1001'),
        /** WAV file for the prompt test; default the bundled welcome prompt. */
        promptFile: z.string().optional(),
        /** Listen for in-band DTMF tones even when RFC 4733 was negotiated. */
        inbandDtmf: z.enum(['auto', 'always', 'never']).default('auto'),
        /**
         * Where files played by the API (`/v1/calls/{id}/play`, prompt targets) are looked up,
         * besides the bundled assets; default `<dataDir>/media`.
         */
        filesDir: z.string().optional(),
      })
      .strict()
      .prefault({}),
    dispatch: z
      .object({
        /** Answer to a call nothing routes: 404 (no such number) or 480 (unavailable). */
        noMatchStatus: z.coerce
          .number()
          .int()
          .refine((n) => n === 404 || n === 480, 'must be 404 or 480')
          .default(404),
        /** Ring time of calls to registered users and of dialled calls, seconds. */
        ringTimeoutS: z.coerce.number().int().min(1).max(600).default(30),
      })
      .strict()
      .prefault({}),
    voice: z
      .object({
        /** Speech-to-text provider id, then fallbacks in order (`pocketsphinx`, `deepgram`, …). */
        stt: z.array(z.string().min(1)).min(1).default(['pocketsphinx']),
        /** Text-to-speech provider id, then fallbacks in order (`espeak-ng`, `azure`, …). */
        tts: z.array(z.string().min(1)).min(1).default(['espeak-ng']),
        /** Language of the built-in demo agent (BCP 47). */
        language: z.string().min(2).default('en-US'),
        /** Disk cache of synthesised prompts; default `<dataDir>/tts-cache`. */
        ttsCacheDir: z.string().optional(),
        /** Memory and disk budgets of the prompt cache, MB. */
        ttsCacheMemoryMb: z.coerce.number().min(0).max(4096).default(32),
        ttsCacheDiskMb: z.coerce.number().min(0).max(65536).default(512),
      })
      .strict()
      .prefault({}),
    /**
     * On first start with an empty database, create the demo tenant (a loopback inbound trunk
     * and rules: 1000 echo test, 2000 demo room).
     */
    demoTenant: z
      .union([z.boolean(), z.enum(['true', 'false'])])
      .transform((v) => v === true || v === 'true')
      .default(true),
    dataDir: z.string().min(1).default('./data'),
    /** Keep personal data (numbers, addresses, digits) in logs: local debugging only. */
    logPii: z
      .union([z.boolean(), z.enum(['true', 'false'])])
      .transform((v) => v === true || v === 'true')
      .default(false),
    logLevel: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    databaseUrl: z.string().optional(),
    redisUrl: z.string().optional(),
    shutdownGraceMs: z.coerce.number().int().min(0).default(10_000),
  })
  .strict()
  .superRefine((c, ctx) => {
    const tls = c.sip.transports.includes('tls') || c.sip.transports.includes('wss');
    if (tls && (!c.sip.tlsCert || !c.sip.tlsKey)) {
      ctx.addIssue({
        code: 'custom',
        path: ['sip', 'tlsCert'],
        message: 'TLS/WSS transports need sip.tlsCert and sip.tlsKey (PEM file paths)',
      });
    }
  });

/** The validated configuration every part of the server reads. */
export type AppConfig = z.infer<typeof configSchema>;

/** Input accepted before defaults are applied (partial, loosely typed). */
export type AppConfigInput = z.input<typeof configSchema>;
