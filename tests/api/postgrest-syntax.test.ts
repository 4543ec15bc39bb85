/**
 * The lexical rules of PostgREST values shared by the REST API and Realtime filters
 * (supabase/emulator/postgrest-syntax.ts): lists and quoted values stay whole when a
 * parameter is split, and unbalanced ones are refused in the caller's error shape.
 */
import { describe, expect, it } from 'vitest';
import { ListSyntaxError, splitTopLevel, unquote } from '../../supabase/emulator/postgrest-syntax.ts';
import { splitTopLevel as splitRestParameter } from '../../supabase/emulator/rest/parse.ts';
import { RestError } from '../../supabase/emulator/rest/errors.ts';

describe('splitTopLevel', () => {
  it('splits a realtime filter into its conditions, keeping in-lists and quoted commas whole', () => {
    expect(splitTopLevel('id=in.(1,2,3),name=eq."a,b",status=eq.paid', ',')).toEqual(['id=in.(1,2,3)', 'name=eq."a,b"', 'status=eq.paid']);
  });

  it('splits a select list at the top level only, keeping embeds whole', () => {
    expect(splitTopLevel('id,name,orders(id,items(name,qty)),total', ',')).toEqual(['id', 'name', 'orders(id,items(name,qty))', 'total']);
  });

  it('keeps escaped quotes and parentheses inside quotes as text', () => {
    expect(splitTopLevel('a=eq."say \\"(hi\\", ok",b=eq.2', ',')).toEqual(['a=eq."say \\"(hi\\", ok"', 'b=eq.2']);
  });

  it('answers one empty part for an empty input, and empty parts between adjacent separators', () => {
    expect(splitTopLevel('', ',')).toEqual(['']);
    expect(splitTopLevel('a,,b', ',')).toEqual(['a', '', 'b']);
  });

  it('refuses unbalanced parentheses and unterminated quotes', () => {
    expect(() => splitTopLevel('id=in.(1,2', ',')).toThrow(ListSyntaxError);
    expect(() => splitTopLevel('a),b', ',')).toThrow('Unbalanced parentheses in "a),b"');
    expect(() => splitTopLevel('name=eq."open', ',')).toThrow('Unbalanced quotes or parentheses');
  });

  it('refuses in the error shape the caller asks for: the REST API answers PGRST100', () => {
    const refusal = (() => {
      try {
        splitRestParameter('id,orders(id', ',');
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(RestError);
    expect(refusal).toMatchObject({ status: 400, code: 'PGRST100' });
  });
});

describe('unquote', () => {
  it('removes the quotes and unescapes what they held', () => {
    expect(unquote('"a,b"')).toBe('a,b');
    expect(unquote('"say \\"hi\\""')).toBe('say "hi"');
  });

  it('leaves unquoted and half-quoted values as they are', () => {
    expect(unquote('plain')).toBe('plain');
    expect(unquote('"open')).toBe('"open');
    expect(unquote('"')).toBe('"');
  });
});
