import { join } from "node:path";
import { InputError } from "../core/errors.ts";
import type { ObjectStore } from "./object-store.ts";
import { FolderObjectStore } from "./object-store-folder.node.ts";
import { S3ObjectStore, s3Settings } from "./object-store-s3.node.ts";

/**
 * The store a deployment names (`serve --store URL`): s3://bucket/prefix (S3 or an S3-compatible server, reached
 * through AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION) or a local folder path.
 */
export function objectStoreFor(url: string, env: Record<string, string | undefined>): ObjectStore {
  if (url.startsWith("s3://")) return new S3ObjectStore(s3Settings(url, env));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw new InputError(`store "${url}": only s3://bucket/prefix and local folder paths are supported`);
  if (url.trim() === "") throw new InputError("store: give s3://bucket/prefix or a folder path");
  return new FolderObjectStore(url);
}

/** Where LanceDB keeps its tables for a store, and what its object store needs to reach it. */
export interface LanceDbLocation {
  uri: string;
  /** LanceDB's `storageOptions` (lance's object_store keys); empty for a folder. */
  storageOptions: Record<string, string>;
}

/**
 * The LanceDB database beside a store's objects: `<store>/lancedb`. On S3 the options carry the endpoint, keys
 * and region the store's own client was made with (objectStoreFor read them once), and allow plain http only
 * when the endpoint is http (a local server).
 */
export function lanceDbLocation(store: ObjectStore): LanceDbLocation {
  if (store instanceof FolderObjectStore) return { uri: join(store.url, "lancedb"), storageOptions: {} };
  if (!(store instanceof S3ObjectStore)) throw new InputError(`LanceDB cannot live on ${store.url}: only folders and s3:// stores`);
  const { settings } = store;
  const storageOptions: Record<string, string> = { aws_region: settings.region };
  if (settings.endpoint) {
    storageOptions.aws_endpoint = settings.endpoint;
    if (settings.endpoint.startsWith("http://")) storageOptions.allow_http = "true";
  }
  if (settings.credentials) {
    storageOptions.aws_access_key_id = settings.credentials.accessKeyId;
    storageOptions.aws_secret_access_key = settings.credentials.secretAccessKey;
    if (settings.credentials.sessionToken) storageOptions.aws_session_token = settings.credentials.sessionToken;
  }
  return { uri: `${store.url}/lancedb`, storageOptions };
}
