import { LOCAL } from './parameters.js';

/** Every client of a bench run talks to 127.0.0.1 only: these keep the SDK away from any real credentials. */
export function useLocalCredentials(): void {
  process.env.AWS_ACCESS_KEY_ID = LOCAL.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = LOCAL.credentials.secretAccessKey;
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
}
