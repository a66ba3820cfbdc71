/**
 * `npm start`: loads configuration, starts the server, prints what listens where, and stops
 * gracefully on SIGINT/SIGTERM (a second signal exits at once).
 */
import { startSwitchboard } from './app.js';
import { ConfigError, loadConfig } from './config/index.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`switchboard: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const sb = await startSwitchboard(config);
  const httpBase = `http://${config.http.host === '0.0.0.0' ? 'localhost' : config.http.host}:${sb.httpPort}`;
  const lines = [
    'Switchboard is running',
    ...sb
      .sipEndpoints()
      .map(
        (e) =>
          `  SIP  ${e.protocol.padEnd(4)} ${config.sip.host}:${e.port}` +
          (e.host !== config.sip.host ? ` (advertised as ${e.host})` : ''),
      ),
    `  HTTP      ${httpBase}/health   API ${httpBase}/v1   docs ${httpBase}/docs`,
    `  RTP       ports ${config.rtp.portMin}-${config.rtp.portMax}`,
    `  Data      ${sb.store.kind === 'pglite' ? `embedded PostgreSQL in ${config.dataDir}` : 'PostgreSQL (DATABASE_URL)'}; ${sb.cacheAndBus.kind === 'redis' ? 'Redis (REDIS_URL)' : 'in-process cache and events'}`,
    `  Test call sip:${config.sip.testExtension}@<this host>:${config.sip.port} (echo), sip:${config.media.promptExtension}@… (prompt)`,
    ...sb.voiceReport.map((line) => `  ${line}`),
    ...(sb.demoTenant
      ? [
          '',
          '  Demo tenant created (this database was empty): an inbound trunk for this machine',
          `  (127.0.0.0/8, ::1) and four rules. From a SIP softphone on this machine call`,
          `    sip:${config.sip.testExtension}@127.0.0.1:${config.sip.port}  the echo test: you hear yourself`,
          `    sip:2000@127.0.0.1:${config.sip.port}  the demo IVR: 1 files an insurance claim with the AI agent (offline), 2 a queue, 9 repeats`,
          `    sip:2100@127.0.0.1:${config.sip.port}  the demo room: everyone who calls it is mixed`,
          `    sip:3000@127.0.0.1:${config.sip.port}  the demo voice agent (wideband G.722 for the embedded recogniser)`,
          '  e.g. baresip: /dial sip:2000@127.0.0.1 (no account needed from this machine);',
          `  or chat with the claims agent: POST ${httpBase}/v1/chat/sessions {"agent":"claims"} (API key below).`,
          '  from another machine, add an inbound trunk for its address or register a SIP user.',
        ]
      : []),
    ...(sb.initialAdminKey
      ? [
          '',
          '  Admin API key (shown this once; store it now):',
          `    ${sb.initialAdminKey}`,
          `  e.g.  SWITCHBOARD_API_KEY=<key> npx switchboard trunks inbound list`,
        ]
      : []),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  // Exceptions from application callbacks in the SIP stack arrive as process warnings.
  process.on('warning', (w) =>
    sb.logger.warn({ err: w.message, code: (w as { code?: string }).code }, w.name),
  );
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) process.exit(130);
    sb.logger.info({ signal }, 'stopping');
    sb.stop().then(
      () => process.exit(0),
      (err: Error) => {
        sb.logger.error({ err: err.message }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

main().catch((err: Error) => {
  process.stderr.write(`switchboard: failed to start: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
