// Public in lambda-async-sink/testing; kept here so the tests' imports stay short.
export * from '../../local/events/context.js';
