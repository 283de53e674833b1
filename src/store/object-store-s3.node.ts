import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { InputError } from "../core/errors.ts";
import type { ObjectStore } from "./object-store.ts";

/**
 * Where an S3-compatible store is and how to reach it: the standard AWS variables, passed in (nothing below
 * entry/ reads the environment). One reading of them serves both the S3 client here and LanceDB's object store
 * (lanceDbLocation), so the two always talk to the same server with the same keys.
 */
export interface S3Settings {
  bucket: string;
  /** Inside the bucket, without a trailing "/"; "" for the bucket's root. */
  prefix: string;
  /** AWS_ENDPOINT_URL: an S3-compatible server (MinIO, R2, moto...); unset for AWS itself. */
  endpoint?: string;
  region: string;
  /** Both or neither; neither leaves the SDK's own chain (instance roles, profiles) to find them. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export function s3Settings(url: string, env: Record<string, string | undefined>): S3Settings {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!match) throw new InputError(`"${url}" is not an S3 location; write s3://bucket or s3://bucket/prefix`);
  const [, bucket, path] = match;
  // Bucket names: 3-63 lowercase letters, digits, dots and hyphens (S3's rule); anything else fails later with a vaguer message.
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new InputError(`"${bucket}" in ${url} is not a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)`);
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/]/.test(endpoint)) throw new InputError(`AWS_ENDPOINT_URL "${endpoint}" must be an http:// or https:// URL`);
  const accessKeyId = env.AWS_ACCESS_KEY_ID || undefined;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY || undefined;
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new InputError("set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither (to use the SDK's default credential chain)");
  }
  return {
    bucket,
    prefix: path.replace(/\/+$/, ""),
    endpoint,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1",
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined } : undefined,
  };
}

/** Conditional PUTs answered 409 (a racing write still settling) are tried this many times in all. */
const CONFLICT_RETRIES = 5;

/**
 * An ObjectStore over S3 or an S3-compatible server, rooted at s3://bucket/prefix. putIfAbsent is a conditional
 * PUT (If-None-Match: *), which S3 has honoured since August 2024 and moto 5 honours (the contract suite runs
 * against moto); a server that ignores the header would let two writers both "win", so check yours.
 */
export class S3ObjectStore implements ObjectStore {
  readonly url: string;
  private readonly client: S3Client;

  constructor(
    readonly settings: S3Settings,
    /** Keys per list request; unset takes the server's page (1,000 on S3). Tests make it small to cross pages. */
    private readonly listPageSize?: number,
  ) {
    this.url = `s3://${settings.bucket}${settings.prefix ? `/${settings.prefix}` : ""}`;
    this.client = new S3Client({
      region: settings.region,
      endpoint: settings.endpoint,
      // Local and most non-AWS servers serve buckets as paths, not as host names.
      forcePathStyle: settings.endpoint !== undefined,
      credentials: settings.credentials,
      // Since 2025 the SDK adds CRC32 checksums to every request by default, which some S3-compatible servers
      // refuse; send and check them only where an operation requires them, as the SDK did before.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.keyOf(key) }));
      return res.Body ? await res.Body.transformToByteArray() : new Uint8Array();
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    await this.client.send(new PutObjectCommand(this.putInput(key, body)));
  }

  async putIfAbsent(key: string, body: Uint8Array | string): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(new PutObjectCommand({ ...this.putInput(key, body), IfNoneMatch: "*" }));
        return true;
      } catch (e) {
        const status = statusOf(e);
        if (status === 412) return false;
        // 409 ConditionalRequestConflict: S3 was still settling a racing conditional write to this key; S3's
        // guidance is to retry, and the retry then meets the winner's object (412) or wins itself.
        if (status !== 409 || attempt === CONFLICT_RETRIES) throw e;
      }
    }
  }

  async list(prefix: string, opts: { startAfter?: string } = {}): Promise<string[]> {
    const root = this.settings.prefix ? `${this.settings.prefix}/` : "";
    const keys: string[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.settings.bucket,
          Prefix: root + prefix,
          StartAfter: opts.startAfter === undefined ? undefined : root + opts.startAfter,
          ContinuationToken: continuationToken,
          MaxKeys: this.listPageSize,
        }),
      );
      for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key.slice(root.length));
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
    // S3 lists in UTF-8 byte order already; some compatible servers do not, and callers rely on the order.
    return keys.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: this.keyOf(key) }));
  }

  private putInput(key: string, body: Uint8Array | string) {
    const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
    // An explicit length: the SDK sets none for an empty body and then warns of a "stream of unknown length".
    return { Bucket: this.settings.bucket, Key: this.keyOf(key), Body: bytes, ContentLength: bytes.length };
  }

  private keyOf(key: string): string {
    // "" and "."/".." segments would name another path in a folder store: refused here too, so keys mean the same on both.
    if (key === "" || key.split("/").some((part) => part === ".." || part === ".")) throw new InputError(`object key "${key}" is empty or has a "." or ".." segment`);
    return this.settings.prefix ? `${this.settings.prefix}/${key}` : key;
  }
}

function statusOf(e: unknown): number | undefined {
  return e instanceof S3ServiceException ? e.$metadata.httpStatusCode : undefined;
}
