// Writes man/sockex.1 from the built CLI's help text (src/cli/man-page.ts), so the page matches --help.
import { mkdirSync, writeFileSync } from 'node:fs';
import { manPage } from '../dist/src/cli/man-page.js';

mkdirSync(new URL('../man/', import.meta.url), { recursive: true });
writeFileSync(new URL('../man/sockex.1', import.meta.url), manPage());
