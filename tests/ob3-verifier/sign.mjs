// Signs credentials with Digital Bazaar's stack, offline: the independent signer of the tests.
//
//   node sign.mjs JOB.json
//
// JOB: {"contexts": DIR, "items": [{"credential": {...}, "suite": "eddsa-rdfc-2022" or
//       "Ed25519Signature2020", "seed": HEX (32 bytes), "did": DID or "did:key",
//       "created": ISO date}]}
// The key is made from the seed; its id is DID#publicKeyMultibase (for "did:key", the DID
// is did:key:publicKeyMultibase). The document loader serves the contexts from `contexts`
// only: nothing is fetched. Prints one JSON line: {"items": [{signed, publicKeyMultibase,
// verificationMethod} or {error}]}.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import * as vc from '@digitalbazaar/vc';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {Ed25519VerificationKey2020} from
  '@digitalbazaar/ed25519-verification-key-2020';

const CONTEXT_FILES = {
  'https://www.w3.org/ns/credentials/v2': 'credentials-v2.jsonld',
  'https://www.w3.org/2018/credentials/v1': 'credentials-v1.jsonld',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json': 'ob-v3p0-context-3.0.3.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json': 'ob-v3p0-context-3.0.2.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/context.json': 'ob-v3p0-context.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json': 'ob-v3p0-extensions.json',
  'https://w3id.org/security/data-integrity/v2': 'data-integrity-v2.jsonld',
  'https://w3id.org/security/suites/ed25519-2020/v1': 'ed25519-signature-2020-v1.jsonld',
  'https://w3id.org/security/multikey/v1': 'multikey-v1.jsonld',
};

const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));

async function documentLoader(url) {
  if(!CONTEXT_FILES[url]) {
    throw new Error(`offline signer: refusing ${url}`);
  }
  const document = JSON.parse(readFileSync(join(job.contexts, CONTEXT_FILES[url]), 'utf8'));
  return {contextUrl: null, documentUrl: url, document};
}

function keyId(did, publicKeyMultibase) {
  const controller = did === 'did:key' ? `did:key:${publicKeyMultibase}` : did;
  return {controller, id: `${controller}#${publicKeyMultibase}`};
}

async function suiteFor(item) {
  const seed = Uint8Array.from(Buffer.from(item.seed, 'hex'));
  if(item.suite === 'eddsa-rdfc-2022') {
    const key = await Ed25519Multikey.generate({seed});
    Object.assign(key, keyId(item.did, key.publicKeyMultibase));
    const suite = new DataIntegrityProof({signer: key.signer(), date: item.created,
      cryptosuite: eddsaRdfc2022CryptoSuite});
    return {suite, key};
  }
  if(item.suite === 'Ed25519Signature2020') {
    const key = await Ed25519VerificationKey2020.generate({seed});
    Object.assign(key, keyId(item.did, key.publicKeyMultibase));
    return {suite: new Ed25519Signature2020({key, date: item.created}), key};
  }
  throw new Error(`unknown suite ${item.suite}`);
}

const output = {items: []};
for(const item of job.items) {
  try {
    const {suite, key} = await suiteFor(item);
    const signed = await vc.issue({credential: item.credential, suite, documentLoader});
    output.items.push({signed, publicKeyMultibase: key.publicKeyMultibase,
      verificationMethod: key.id});
  } catch(error) {
    output.items.push({error: String(error.stack || error.message || error)});
  }
}
process.stdout.write(JSON.stringify(output) + '\n');
