// Sign in and register, with the math captcha when the server asks for one.
import { get, post } from './api.js';
import { main, el, errorText, navigate } from './ui.js';

export async function renderAuth(mode, done) {
  const error = el('p', { class: 'error', role: 'alert' });
  const captchaBox = el('div');
  let captcha = null;
  async function loadCaptcha() {
    captchaBox.replaceChildren();
    try {
      captcha = await get('/auth/captcha');
      if (!captcha.required) { captcha = null; return; }
      captchaBox.append(el('label', { for: 'captcha' }, 'Solve: ' + captcha.question),
        el('input', { id: 'captcha', name: 'captcha', inputmode: 'numeric', required: true, autocomplete: 'off' }));
    } catch { captcha = null; }
  }
  const fields = mode === 'register'
    ? [['email', 'E-mail', 'email'], ['username', 'Username', 'text'], ['password', 'Password (8+ characters)', 'password']]
    : [['email', 'E-mail', 'email'], ['password', 'Password', 'password']];
  const form = el('form', { class: 'card narrow', 'aria-label': mode },
    el('h2', {}, mode === 'register' ? 'Create your account' : 'Sign in'),
    ...fields.map(([name, label, type]) => [el('label', { for: name }, label),
      el('input', { id: name, name, type, required: true, autocomplete: name === 'password' ? (mode === 'register' ? 'new-password' : 'current-password') : name })]),
    captchaBox, error,
    el('div', { class: 'row' }, el('button', { class: 'primary', type: 'submit' }, mode === 'register' ? 'Register' : 'Sign in'),
      mode === 'register' ? el('a', { href: '/login' }, 'I have an account') : el('a', { href: '/register' }, 'Create an account')),
    el('div', { id: 'providers', class: 'row' }));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.textContent = '';
    const data = Object.fromEntries(new FormData(form));
    const body = { email: data.email, password: data.password };
    if (mode === 'register') body.username = data.username;
    if (captcha) { body.captchaToken = captcha.captchaToken; body.captchaAnswer = data.captcha; }
    try {
      const res = await post(mode === 'register' ? '/auth/register' : '/auth/login', body);
      done(res.user);
    } catch (e) {
      error.textContent = errorText(e);
      await loadCaptcha();  // each captcha is good for one try
    }
  });
  main.append(form);
  await loadCaptcha();
  try {
    const { providers } = await get('/auth/providers');
    const box = form.querySelector('#providers');
    for (const p of providers) box.append(el('a', { href: p.url, target: '_self', class: 'button' }, 'Continue with ' + p.name));
  } catch { /* no providers */ }
  form.querySelector('input').focus();
}
