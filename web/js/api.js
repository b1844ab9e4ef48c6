// Talks to Convene's REST API: JSON in and out, the error shape
// {"error":{"code","message"}} turned into ApiError, and one silent refresh
// of the session when the access token has expired.
export class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

let refreshing = null;

async function send(method, path, body) {
  let res;
  try {
    res = await fetch(path, {
      method, credentials: 'same-origin',
      headers: body !== undefined ? { 'Content-Type': 'application/json' } : {},
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new ApiError(0, 'unreachable', 'The server cannot be reached. Check your connection.');
  }
  if (res.status === 204) return null;
  // A server older than this client may answer an endpoint it lacks with
  // index.html (today's servers answer JSON 404 under every API prefix).
  if (res.ok && !(res.headers.get('Content-Type') || '').includes('json')) {
    throw new ApiError(404, 'not_available', 'This feature is not available on this server yet.');
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const e = data && data.error;
    throw new ApiError(res.status, e ? e.code : 'http_' + res.status, e ? e.message : `Request failed (${res.status})`);
  }
  return data;
}

export async function api(method, path, body) {
  try {
    return await send(method, path, body);
  } catch (e) {
    if (e.status !== 401 || path.startsWith('/auth/')) throw e;
    refreshing ??= send('POST', '/auth/refresh').finally(() => { refreshing = null; });
    await refreshing;  // throws when the session is gone
    return send(method, path, body);
  }
}

export const get = (p) => api('GET', p);
export const post = (p, b = {}) => api('POST', p, b);
export const del = (p) => api('DELETE', p);
