import { config } from 'zod';

/*
 * Imported, for this effect, by every module that builds zod schemas. zod 4 compiles a parser
 * for each object schema (new Function) the first time it parses with it: ~10 ms on a fresh
 * process for two schemas, to win microseconds per parse afterwards. molectl is a short-lived
 * process that parses a few documents per schema; a CP listing of 10,000 orgs parses as fast
 * without it (measured: issue 16). jitless interprets the schema instead.
 */
config({ jitless: true });
