// Sign in and create an account. A new account is signed in at once; the form remembers the
// workspace. Errors show under the form (and leave no stale banner behind once signed in).
import { $ } from '../dom.js';
import { describe } from './status.js';

export class AuthView {
  constructor(app) {
    this.app = app;
    this.mode = 'signin';
    const form = $('#auth-form');
    for (const tab of form.querySelectorAll('.tabs button')) tab.addEventListener('click', () => this.setMode(tab.dataset.mode));
    form.addEventListener('submit', (e) => { e.preventDefault(); this.submit(); });
  }

  show() {
    $('#auth').hidden = false;
    $('#app').hidden = true;
    const form = $('#auth-form');
    form.elements.tenant.value ||= localStorage.getItem('parley.tenant') || '';
    (form.elements.tenant.value ? form.elements.username : form.elements.tenant).focus();
  }

  setMode(mode) {
    this.mode = mode;
    const signup = mode === 'signup';
    for (const tab of $('#auth-form').querySelectorAll('.tabs button')) tab.setAttribute('aria-pressed', String(tab.dataset.mode === mode));
    $('#auth-title').textContent = signup ? 'Create an account' : 'Sign in';
    $('#auth-submit').textContent = signup ? 'Create account' : 'Sign in';
    $('#display-name-label').hidden = !signup;
    $('#auth-form').elements.password.autocomplete = signup ? 'new-password' : 'current-password';
    $('#auth-error').hidden = true;
  }

  async submit() {
    const form = $('#auth-form');
    const data = Object.fromEntries(new FormData(form));
    const creds = { tenant: data.tenant.trim(), username: data.username.trim(), password: data.password };
    const error = $('#auth-error');
    error.hidden = true;
    const missing = ['tenant', 'username', 'password'].find((k) => !creds[k]);
    if (missing) {
      error.textContent = `Please fill in the ${missing === 'tenant' ? 'workspace' : missing}.`;
      error.hidden = false;
      return form.elements[missing].focus();
    }
    $('#auth-submit').disabled = true;
    try {
      if (this.mode === 'signup') {
        await this.app.chat.register({ ...creds, ...(data.displayName?.trim() && { displayName: data.displayName.trim() }) });
      }
      await this.app.chat.login(creds);
      localStorage.setItem('parley.tenant', creds.tenant);
      form.elements.password.value = '';
      await this.app.signedIn();
    } catch (err) {
      error.textContent = describe(err);
      error.hidden = false;
    } finally {
      $('#auth-submit').disabled = false;
    }
  }
}
