import path from 'node:path';

/** A checked archive, unpacked, waiting for the next start to replace db/ and files/ with it. */
export const pendingRestorePath = (dataDir: string) => path.join(dataDir, 'restore-pending');

/**
 * The running server's local control socket: `npm run backup` asks it for a consistent copy instead of
 * opening the database a second time. Whoever can reach it can read DATA_DIR anyway (mode 0600).
 */
export const controlSocketPath = (dataDir: string) => path.join(dataDir, 'control.sock');
