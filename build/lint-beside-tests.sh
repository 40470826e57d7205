#!/bin/sh
# The second half of `npm test` (after the build): lint runs beside vitest rather than before it,
# in the CPU vitest leaves idle while its sandboxes wait on polls and health checks (about half of
# 2 cores); the result fails if either fails. Arguments go to vitest: `npm test -- test/lib/ssm`.
npm run lint &
lint=$!
vitest run "$@"
tests=$?
wait "$lint" && exit "$tests"
