// Sign in with Supabase Auth: e-mail and password, or an e-mailed sign-in link where the project
// enables it (config.json "magicLink"). Only users the owner created exist: no sign-up here.
import { h } from './dom.js';

export function loginView(auth, config) {
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password' });
  const message = h('p', { class: 'message', role: 'alert' });
  const say = (text, error = true) => { message.textContent = text; message.classList.toggle('error', error); };

  const signIn = async (event) => {
    event.preventDefault();
    if (!password.value) return say('Type your password, or ask for a sign-in link.');
    const { error } = await auth.signInWithPassword({ email: email.value.trim(), password: password.value });
    if (error) say(error.status === 400 ? 'Wrong e-mail or password.' : `Cannot sign in: ${error.message}`);
  };
  const sendLink = async () => {
    if (!email.checkValidity()) return say('Type your e-mail address first.');
    const { error } = await auth.signInWithOtp({ email: email.value.trim(),
      options: { shouldCreateUser: false, emailRedirectTo: location.href.split('#')[0] } });
    say(error ? `Cannot send the link: ${error.message}` : `If ${email.value.trim()} has an account, a sign-in link is on its way.`, !!error);
  };

  return h('main', { class: 'login' },
    h('h1', {}, 'Owner dashboard'),
    h('form', { onsubmit: signIn },
      h('label', {}, h('span', {}, 'E-mail'), email),
      h('label', {}, h('span', {}, 'Password'), password),
      h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
      config.magicLink && h('button', { type: 'button', onclick: sendLink }, 'E-mail me a sign-in link'),
      message));
}
