/** One `WWW-Authenticate` challenge: the scheme (lower case) and its parameters (keys lower case). */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;
/** Unquoted parameter values; looser than RFC 7235's token, as some servers leave URLs unquoted. */
const BARE_VALUE = /^[^,\s]*/;

/**
 * Parses RFC 7235 `WWW-Authenticate` values (one header or several), e.g.
 * `Bearer realm="https://auth.example/token",service="reg",scope="repository:a/b:pull"`.
 * Several challenges may share one header, separated by commas like their parameters: a name
 * followed by `=` is a parameter of the current challenge, any other name starts a new one.
 */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  const challenges: Challenge[] = [];
  for (const value of header === undefined ? [] : Array.isArray(header) ? header : [header]) {
    let rest = value;
    let current: Challenge | undefined;
    for (;;) {
      rest = rest.replace(/^[\s,]+/, '');
      const name = TOKEN.exec(rest)?.[0];
      if (name === undefined) break;
      rest = rest.slice(name.length).trimStart();
      if (current !== undefined && rest.startsWith('=')) {
        rest = rest.slice(1).trimStart();
        const { value: param, length } = rest.startsWith('"') ? quoted(rest) : bare(rest);
        current.params[name.toLowerCase()] = param;
        rest = rest.slice(length);
      } else {
        current = { scheme: name.toLowerCase(), params: {} };
        challenges.push(current);
      }
    }
  }
  return challenges;
}

function quoted(s: string): { value: string; length: number } {
  let value = '';
  for (let i = 1; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) value += s[++i];
    else if (c === '"') return { value, length: i + 1 };
    else value += c;
  }
  return { value, length: s.length };
}

function bare(s: string): { value: string; length: number } {
  const value = BARE_VALUE.exec(s)![0];
  return { value, length: value.length };
}
