import { z } from 'zod';

/** Spaces as the database stores names: trimmed, runs of whitespace collapsed. */
export function normalizeName(value: string): string {
  return value.trim().replace(/\s+/g, ' ');
}

/** The buyer's details, with the same limits checkout() enforces. */
export const buyerSchema = z.object({
  name: z
    .string()
    .transform(normalizeName)
    .pipe(
      z
        .string()
        .min(1, { message: 'Please enter your name.' })
        .max(200, { message: 'Please shorten your name to 200 characters or fewer.' }),
    ),
  email: z
    .string()
    .trim()
    .min(1, { message: 'Please enter your email address.' })
    .max(254, { message: 'This email address is too long.' })
    .pipe(z.email({ message: 'Please enter a valid email address, like name@example.com.' })),
});

export type BuyerInput = z.input<typeof buyerSchema>;
export type Buyer = z.output<typeof buyerSchema>;
export type BuyerErrors = Partial<Record<keyof BuyerInput, string>>;

export function validateBuyer(input: BuyerInput): { buyer: Buyer; errors?: undefined } | { buyer?: undefined; errors: BuyerErrors } {
  const parsed = buyerSchema.safeParse(input);
  if (parsed.success) return { buyer: parsed.data };
  const errors: BuyerErrors = {};
  for (const issue of parsed.error.issues) {
    const field = issue.path[0];
    if ((field === 'name' || field === 'email') && !errors[field]) errors[field] = issue.message;
  }
  return { errors };
}
