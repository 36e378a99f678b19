// An independent OpenID provider (oidc-provider, OpenID Certified) for the interop test.
// Usage: node provider.js <config.json>; prints {"issuer": ...} once it listens.
// config.json: {"client_id", "client_secret", "redirect_uri", "post_logout_redirect_uri",
//               "accounts": {"<login>": {claims...}},
//               "access_token_resource": optional; access tokens are then issued for this
//                 other resource (a JWT for that API), so the userinfo endpoint refuses them}
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const server = createServer();

server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: config.client_id,
      client_secret: config.client_secret,
      redirect_uris: [config.redirect_uri],
      post_logout_redirect_uris: [config.post_logout_redirect_uri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    pkce: { required: () => true },
    claims: {
      openid: ['sub'],
      profile: ['name', 'given_name', 'family_name', 'locale', 'groups'],
      email: ['email', 'email_verified'],
    },
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      ...(config.access_token_resource ? {
        resourceIndicators: {
          enabled: true,
          defaultResource: () => config.access_token_resource,
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({
            scope: 'openid profile email',
            audience: config.access_token_resource,
            accessTokenFormat: 'jwt',
          }),
        },
      } : {}),
    },
    cookies: { keys: ['interop-test-only'] },
    async findAccount(ctx, id) {
      const claims = config.accounts[id];
      if (!claims) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...claims }; } };
    },
  });
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
