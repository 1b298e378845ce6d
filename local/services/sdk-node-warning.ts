/**
 * The AWS SDK's documented switch for its Node.js version warning. On Node 20 every
 * process that builds a client prints a multi-line warning: once per test worker and
 * per child handler. Our local tools (npm start, bench, soak, the tests) turn it off;
 * Lambda runs Node 22 or 24, where the SDK does not warn, and a deployed function never
 * sets it. Node 20 left support in April 2026 and stays here only to run the tests.
 */
export const SDK_NODE_WARNING_SWITCH = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

/** Turns the SDK's Node version warning off for this process and the processes it starts, unless already set. */
export function quietSdkNodeVersionWarning(): void {
  process.env[SDK_NODE_WARNING_SWITCH] ??= 'true';
}
