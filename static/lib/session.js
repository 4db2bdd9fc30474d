// Who is signed in, from GET /auth/status (public): setup state, the
// person and their role, the hub's time zone.
import { get, post } from './api.js';
import { setTimeZone } from './format.js';

export const session = {
  setupDone: true,
  signedIn: false,
  user: null,
  role: null,
  async load() {
    const s = await get('/api/v1/auth/status');
    this.setupDone = s.setup_done;
    this.signedIn = s.signed_in;
    this.user = s.me ? s.me.user : null;
    this.role = s.me ? s.me.role : null;
    setTimeZone(s.timezone);
    return this;
  },
  get isAdmin() {
    return this.role === 'admin';
  },
  async signOut() {
    try {
      await post('/api/v1/auth/logout');
    } finally {
      this.signedIn = false;
      this.user = null;
      this.role = null;
    }
  },
};
