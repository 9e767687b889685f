// Defaults shared by the serving commands (kept apart from src/server/serve.ts so that
// registering a command does not load the server).
export const DEFAULT_LISTEN = '127.0.0.1:7400';
