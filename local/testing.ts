/**
 * `lambda-async-sink/testing`: run your own handler locally, in your own tests. The local
 * services (kinesalite, fauxqs and our Firehose endpoint on 127.0.0.1), the event-source
 * pollers with Lambda's semantics, the fault proxy, and the event and context factories.
 * The emulators are optional peer dependencies: a service you start names the one missing.
 */
export * from './events/index.js';
export * from './index.js';
export { MissingPeerDependencyError } from './services/optional-peer.js';
