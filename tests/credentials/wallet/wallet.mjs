// An independent wallet for amtsweg's interoperability test, built only from the
// OpenID4VC (openid4vci, openid4vp) and OpenWallet Foundation (sd-jwt-vc) libraries.
//
//   node wallet.mjs receive <credential offer link> <PIN> <state.json>
//       takes the offer, obtains the credential (pre-authorized code + PIN, nonce, proof),
//       verifies it against the issuer's published key, type metadata and status list,
//       stores it with the holder key in state.json, prints the verified claims as JSON.
//   node wallet.mjs present <openid4vp:// request link> <state.json>
//       answers the request (DCQL) disclosing only the claims asked for, prints the
//       verifier's HTTP status and what was disclosed as JSON.
//
// The test runs amtsweg over plain HTTP on 127.0.0.1, so insecure URLs are allowed.
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { setGlobalConfig } from '@openid4vc/utils';
import { clientAuthenticationAnonymous } from '@openid4vc/oauth2';
import { Openid4vciClient } from '@openid4vc/openid4vci';
import { Openid4vpClient } from '@openid4vc/openid4vp';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { ES256, digest, generateSalt } from '@sd-jwt/crypto-nodejs';

setGlobalConfig({ allowInsecureUrls: true });

const b64url = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

function callbacks(privateJwk) {
  return {
    fetch,
    generateRandom: (n) => new Uint8Array(randomBytes(n)),
    hash: (data, alg) => new Uint8Array(createHash(alg.replace('-', '')).update(data).digest()),
    clientAuthentication: clientAuthenticationAnonymous(),
    signJwt: async (signer, { header, payload }) => {
      const input = `${b64url(header)}.${b64url(payload)}`;
      const sign = await ES256.getSigner(privateJwk);
      return { jwt: `${input}.${await sign(input)}`, signerJwk: signer.publicJwk };
    },
  };
}

async function issuerVerifier(issuer) {
  const response = await fetch(`${issuer}/.well-known/jwt-vc-issuer`);
  const metadata = await response.json();
  if (metadata.issuer !== issuer) throw new Error(`jwt-vc-issuer names ${metadata.issuer}`);
  const verifiers = await Promise.all(metadata.jwks.keys.map((key) => ES256.getVerifier(key)));
  return async (data, signature) => {
    for (const verify of verifiers) if (await verify(data, signature)) return true;
    return false;
  };
}

async function receive(offerLink, pin, statePath) {
  const { publicKey, privateKey } = await ES256.generateKeyPair();
  const client = new Openid4vciClient({ callbacks: callbacks(privateKey) });
  const credentialOffer = await client.resolveCredentialOffer(offerLink);
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
  const configurationId = credentialOffer.credential_configuration_ids[0];
  const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer, issuerMetadata, txCode: pin,
  });
  const { c_nonce: nonce } = await client.requestNonce({ issuerMetadata });
  const { jwt } = await client.createCredentialRequestJwtProof({
    issuerMetadata,
    credentialConfigurationId: configurationId,
    nonce,
    signer: { method: 'jwk', alg: 'ES256', publicJwk: publicKey },
  });
  const { credentialResponse } = await client.retrieveCredentials({
    issuerMetadata,
    accessToken: accessTokenResponse.access_token,
    credentialConfigurationId: configurationId,
    proofs: { jwt: [jwt] },
  });
  const credential = credentialResponse.credentials[0].credential;

  const issuer = credentialOffer.credential_issuer;
  const sdjwt = new SDJwtVcInstance({
    hasher: digest,
    hashAlg: 'sha-256',
    verifier: await issuerVerifier(issuer),
    loadTypeMetadataFormat: true,
  });
  // Signature against the published key, disclosures, the status list (signed by the
  // same key) and the type metadata fetched from the vct URL.
  const verified = await sdjwt.verify(credential);
  const configuration = issuerMetadata.credentialIssuer.credential_configurations_supported[configurationId];
  if (verified.payload.vct !== configuration.vct) throw new Error('vct differs from the metadata');
  writeFileSync(statePath, JSON.stringify({ credential, privateKey, publicKey, issuer }));
  console.log(JSON.stringify({
    claims: verified.payload,
    typeName: verified.typeMetadata?.mergedTypeMetadata?.display?.map((d) => `${d.locale}:${d.name}`),
  }));
}

async function present(requestLink, statePath) {
  const state = JSON.parse(readFileSync(statePath, 'utf8'));
  const client = new Openid4vpClient({ callbacks: { ...callbacks(state.privateKey) } });
  const parsed = client.parseOpenid4vpAuthorizationRequest({ authorizationRequest: requestLink });
  const resolved = await client.resolveOpenId4vpAuthorizationRequest({
    authorizationRequestPayload: parsed.params,
  });
  const request = resolved.authorizationRequestPayload;
  const query = resolved.dcql.query.credentials[0];
  const frame = {};
  for (const claim of query.claims ?? []) frame[claim.path[0]] = true;
  const sdjwt = new SDJwtVcInstance({
    hasher: digest,
    hashAlg: 'sha-256',
    saltGenerator: generateSalt,
    kbSigner: await ES256.getSigner(state.privateKey),
    kbSignAlg: 'ES256',
  });
  const presentation = await sdjwt.present(state.credential, frame, {
    kb: { payload: { aud: resolved.client.effective, nonce: request.nonce, iat: Math.floor(Date.now() / 1000) } },
  });
  const { response } = await client.submitOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request,
    authorizationResponsePayload: { vp_token: { [query.id]: [presentation] }, state: request.state },
  });
  const disclosed = await sdjwt.decode(presentation);
  const names = (disclosed.disclosures ?? []).map((d) => d.key);
  console.log(JSON.stringify({ status: response.status, disclosed: names, audience: resolved.client.effective }));
}

const [command, ...args] = process.argv.slice(2);
const run = { receive, present }[command];
if (!run) {
  console.error('usage: wallet.mjs receive <offer> <pin> <state> | present <request> <state>');
  process.exit(2);
}
run(...args).catch((error) => {
  console.error(error?.stack ?? error);
  if (error?.response) console.error(JSON.stringify(error.response));
  process.exit(1);
});
