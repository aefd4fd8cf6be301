// Verifies Open Badges 3.0 credentials with Digital Bazaar's stack, offline.
//
//   node verify.mjs JOB.json
//
// JOB: {"contexts": DIR, "sites": {"https://host/base/": DIR, ...}, "credentials": [FILE, ...],
//       "resolve": [DID or DID URL, ...]}
// The document loader serves the pinned contexts from `contexts` (file name = URL map below)
// and every other https URL, and every did:web, from the site folders; nothing is fetched.
// Prints one JSON line: {"credentials": [{file, verified, errors, status}], "resolved": [...]}.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';

const CONTEXT_FILES = {
  'https://www.w3.org/ns/credentials/v2': 'credentials-v2.jsonld',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json': 'ob-v3p0-context-3.0.3.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json': 'ob-v3p0-extensions.json',
  'https://w3id.org/security/data-integrity/v2': 'data-integrity-v2.jsonld',
  'https://w3id.org/security/multikey/v1': 'multikey-v1.jsonld',
  'https://www.w3.org/ns/did/v1': 'did-v1.jsonld',
};

const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

function fromSites(url) {
  for(const [prefix, dir] of Object.entries(job.sites || {})) {
    if(url.startsWith(prefix)) {
      return readJson(join(dir, decodeURIComponent(url.slice(prefix.length))));
    }
  }
  throw new Error(`offline loader: no document for ${url}`);
}

function didWebUrl(did) {
  const [host, ...path] = did.slice('did:web:'.length).split(':');
  const origin = `https://${decodeURIComponent(host)}`;
  return path.length ? `${origin}/${path.join('/')}/did.json` :
    `${origin}/.well-known/did.json`;
}

function resolveDid(url) {
  const [did, fragment] = url.split('#');
  const didDocument = fromSites(didWebUrl(did));
  if(didDocument.id !== did) {
    throw new Error(`DID document id ${didDocument.id} is not ${did}`);
  }
  if(fragment === undefined) {
    return didDocument;
  }
  const method = (didDocument.verificationMethod || []).find(vm => vm.id === url);
  if(!method) {
    throw new Error(`${did} has no verification method ${url}`);
  }
  return {'@context': 'https://w3id.org/security/multikey/v1', ...method};
}

async function documentLoader(url) {
  let document;
  if(CONTEXT_FILES[url]) {
    document = readJson(join(job.contexts, CONTEXT_FILES[url]));
  } else if(url.startsWith('did:web:')) {
    document = resolveDid(url);
  } else if(url.startsWith('https://')) {
    document = fromSites(url);
  } else {
    throw new Error(`offline loader: refusing ${url}`);
  }
  return {contextUrl: null, documentUrl: url, document};
}

function errorsOf(result) {
  const errors = [];
  const visit = error => {
    if(!error) {
      return;
    }
    if(Array.isArray(error)) {
      error.forEach(visit);
      return;
    }
    errors.push(String(error.message || error));
    visit(error.errors);
    visit(error.cause);
  };
  visit(result.error);
  for(const proof of result.results || []) {
    visit(proof.error);
  }
  return errors;
}

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});
const output = {credentials: [], resolved: []};
for(const file of job.credentials || []) {
  const credential = readJson(file);
  const entry = {file};
  try {
    const result = await vc.verifyCredential({
      credential, suite, documentLoader,
      checkStatus: credential.credentialStatus ? async options => checkStatus({
        ...options, verifyStatusListCredential: true, verifyMatchingIssuers: true,
      }) : undefined,
    });
    entry.verified = result.verified;
    entry.errors = errorsOf(result);
    if(result.statusResult) {
      entry.statusVerified = result.statusResult.verified;
      entry.status = (result.statusResult.results || []).map(r => r.status);
    }
  } catch(error) {
    entry.verified = false;
    entry.errors = [String(error.message || error)];
  }
  output.credentials.push(entry);
}
for(const url of job.resolve || []) {
  try {
    output.resolved.push({url, document: (await documentLoader(url)).document});
  } catch(error) {
    output.resolved.push({url, error: String(error.message || error)});
  }
}
process.stdout.write(JSON.stringify(output) + '\n');
