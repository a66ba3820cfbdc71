/**
 * The voice room's test kit for other rooms' tests: scripted recognisers, synthesisers and
 * responders, the tick driver that plays a leg's media clock under fake timers, and the
 * contract suites every provider runs. Production code never imports it.
 */
export * from './scripted-providers.js';
