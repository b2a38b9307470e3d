/**
 * The package version, bundled from package.json at build time. A named import of the one field lets
 * the bundler drop every other field (scripts, dependencies) from the bundle; a test checks the bundle.
 */
import { version } from '../package.json';

export const VERSION: string = version;
