import { z } from 'zod';

/**
 * A whole-number flag (`--max-errors 2`), bounded. Only plain decimal digits: `0x10`, `1e3`,
 * `2.0` or an empty value are refused rather than read as something the operator did not type.
 */
export function countOption(bounds: { min: number; max: number; why?: string }): z.ZodType<number, string> {
  return z.string().transform((text, ctx) => {
    const trimmed = text.trim();
    if (!/^\d{1,12}$/.test(trimmed)) {
      ctx.addIssue({ code: 'custom', message: `"${text.length > 40 ? `${text.slice(0, 40)}...` : text}" is not a whole number (digits only, like ${bounds.min})` });
      return z.NEVER;
    }
    const n = Number(trimmed);
    if (n < bounds.min || n > bounds.max) {
      ctx.addIssue({ code: 'custom', message: `must be between ${bounds.min} and ${bounds.max}${bounds.why ? ` (${bounds.why})` : ''}` });
      return z.NEVER;
    }
    return n;
  });
}
