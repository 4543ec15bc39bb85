/** GoTrue's public `GET /settings` and `GET /health`. */
import { json, type Reply } from '../http.ts';
import type { AuthDeps } from './deps.ts';

export function settings(deps: Pick<AuthDeps, 'anonymousSignIns' | 'config'>): Reply {
  return json(200, {
    external: {
      anonymous_users: deps.anonymousSignIns,
      email: deps.config.email.enable_signup,
      phone: false,
    },
    disable_signup: !deps.config.enable_signup,
    mailer_autoconfirm: !deps.config.email.enable_confirmations,
    phone_autoconfirm: false,
    sms_provider: '',
    saml_enabled: false,
  });
}

export function health(): Reply {
  return json(200, { version: 'emulator', name: 'GoTrue', description: 'GoTrue is a user registration and authentication API' });
}
