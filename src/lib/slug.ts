/** The text with accents taken off its letters ("Chloé" → "Chloe"), for names made from names. */
export function withoutAccents(text: string): string {
  return text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
}

/** Lower-case words joined by dashes, at most `maxLength` characters, no dash at either end. */
export function slugify(text: string, maxLength: number): string {
  return withoutAccents(text)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, maxLength)
    .replace(/-+$/, '');
}
