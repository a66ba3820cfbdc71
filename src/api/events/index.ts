/**
 * Domain events leaving Switchboard: publishing them on the bus, the `GET /v1/events`
 * WebSocket, and outgoing webhooks (signed, retried, logged in the store).
 *
 * @module
 */
export * from './event-publisher.js';
export * from './events-socket.js';
export * from './webhook-dispatcher.js';
