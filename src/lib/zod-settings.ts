import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/*
 * Imported, for this effect, by every module that builds zod schemas. molectl uses zod/mini, the
 * same validator as zod's classic API at a third of the code to load, but it installs no
 * messages: English is installed here (the one locale molectl speaks; the classic entry would
 * load every locale).
 *
 * jitless: zod compiles a parser for each object schema (new Function) the first time it parses
 * with it: ~10 ms on a fresh process for two schemas, to win microseconds per parse afterwards.
 * molectl is a short-lived process that parses a few documents per schema; a CP listing of
 * 10,000 orgs parses as fast without it (measured: issue 16).
 */
config({ ...en(), jitless: true });
