/** The package version, bundled from package.json at build time. */
import packageJson from '../package.json';

export const VERSION: string = packageJson.version;
