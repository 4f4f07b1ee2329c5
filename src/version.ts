// The release version, taken from package.json at build time (bun inlines the JSON import).
import pkg from '../package.json' with { type: 'json' };

export const VERSION: string = pkg.version;
