import { z } from 'zod';
import { findOutputPathProblem } from '../output/check-output-path.js';

/** A flag naming a file molectl will write (`--out`, `--summary-md`): checked writable when the flags are read. */
export function outputFileOption(): z.ZodType<string, string> {
  return z
    .string()
    .min(1)
    .superRefine((path, ctx) => {
      const problem = findOutputPathProblem(path);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
}
