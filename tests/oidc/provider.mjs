// A real OpenID Connect provider for the tests: panva's oidc-provider (OpenID Certified), as
// installed by `make install-test` (scripts/oidc-provider.sh), served on the loopback. It is
// configured here as ProConnect and Pro Santé Connect answer: signed ID tokens, PKCE, acr
// "eidas1", the claims each one gives, and (ProConnect) a userinfo answer signed as a JWT.
// Its own sign-in pages (devInteractions) take any login: the login picks the account.
//
// Read from the environment: OP_MODULES, the folder the package was installed into, and
// OP_CONFIG = {"port", "clients": [...], "accounts": {id: claims}}. Prints "ready" once it listens.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const entry = join(process.env.OP_MODULES, 'node_modules', 'oidc-provider', 'lib', 'index.js');
const { default: Provider } = await import(pathToFileURL(entry).href);

const config = JSON.parse(process.env.OP_CONFIG);
const issuer = `http://127.0.0.1:${config.port}`;

const provider = new Provider(issuer, {
  clients: config.clients,
  claims: {
    openid: ['sub'],
    email: ['email'],
    given_name: ['given_name'],
    usual_name: ['usual_name'],
    siret: ['siret'],
    organizational_unit: ['organizational_unit'],
    scope_all: ['given_name', 'family_name', 'email', 'SubjectNameID', 'SubjectOrganization'],
  },
  acrValues: ['eidas1'],
  features: {
    devInteractions: { enabled: true },
    jwtUserinfo: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  pkce: { required: () => true },
  cookies: { keys: ['capsante-tests-only'] },
  async findAccount(ctx, id) {
    const claims = config.accounts[id];
    if (!claims) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
  },
});
provider.on('server_error', (ctx, error) => console.error('server_error', error));

provider.listen(config.port, '127.0.0.1', () => console.log('ready'));
