// The call's eleven themes (stage background and accents; the colours are
// CSS custom properties in css/app.css under .call[data-call-theme]). The
// choice is kept on the server (GET/PUT /users/me/preferences) so it follows
// the person to every device; localStorage only paints the last one known
// before the server answers. Light/dark (the page's theme) is separate.
import { api, get } from '../api.js';
import { errorText, toast } from '../ui.js';

// The same names as the server's known_themes() (src/auth/preferences.cpp).
export const THEMES = {
  plain: 'Plain', midnight: 'Midnight', ocean: 'Ocean', forest: 'Forest', sunset: 'Sunset', paper: 'Paper',
  lavender: 'Lavender', ember: 'Ember', slate: 'Slate', aurora: 'Aurora', sakura: 'Sakura',
};
const KEY = 'convene-call-theme';

export function createThemes(callBox) {
  let chosen = false;  // picked here before the server answered: that wins
  const apply = (name) => { callBox.dataset.callTheme = THEMES[name] ? name : 'plain'; };
  apply(localStorage.getItem(KEY) || localStorage.getItem('convene-background') || 'plain');  // the latter: before themes were kept
  // The server's word wins over this browser's memory (null: never chosen).
  const loaded = get('/users/me/preferences').then((p) => {
    if (p?.theme && !chosen) { apply(p.theme); localStorage.setItem(KEY, callBox.dataset.callTheme); }
  }).catch(() => { /* an older server or offline: the remembered one stays */ });
  return {
    loaded,
    get current() { return callBox.dataset.callTheme; },
    async choose(name) {
      chosen = true;
      apply(name);
      localStorage.setItem(KEY, name);
      try { await api('PUT', '/users/me/preferences', { theme: name }); } catch (e) { toast('The theme could not be saved: ' + errorText(e)); }
    },
  };
}
