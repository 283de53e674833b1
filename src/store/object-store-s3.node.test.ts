import { describe, expect, it } from "vitest";
import { describeObjectStoreContract } from "./object-store.contract.ts";
import { S3ObjectStore, s3Settings } from "./object-store-s3.node.ts";
import { motoForTests } from "./moto-server.node.ts";
import { FolderObjectStore } from "./object-store-folder.node.ts";
import { lanceDbLocation, objectStoreFor } from "./store-location.node.ts";

const moto = await motoForTests();

describe.skipIf(!moto)("S3ObjectStore against moto", () => {
  const store = async (prefix = "some/prefix") => objectStoreFor(`s3://${await moto!.createBucket()}/${prefix}`, moto!.env);

  describeObjectStoreContract("s3 (moto, under a prefix)", () => store());
  describeObjectStoreContract("s3 (moto, bucket root)", () => store(""));

  it("keeps each prefix to itself: keys come back relative to the store's root", async () => {
    const bucket = await moto!.createBucket();
    const a = objectStoreFor(`s3://${bucket}/tenant-a`, moto!.env);
    const b = objectStoreFor(`s3://${bucket}/tenant-a-2`, moto!.env);
    await a.put("log/1", "a");
    await b.put("log/1", "b");
    expect(await a.list("")).toEqual(["log/1"]);
    expect(new TextDecoder().decode(await b.get("log/1"))).toBe("b");
    expect(a.url).toBe(`s3://${bucket}/tenant-a`);
  });

  it("lists past one page (S3 returns at most 1,000 keys per request), and stores empty objects", async () => {
    const s = new S3ObjectStore(s3Settings(`s3://${await moto!.createBucket()}/p`, moto!.env), 4);
    const keys = Array.from({ length: 11 }, (_, i) => `many/${String(i).padStart(3, "0")}`);
    await Promise.all(keys.map((k) => s.put(k, "")));
    expect(await s.list("many/")).toEqual(keys);
    expect(await s.list("many/", { startAfter: "many/004" })).toEqual(keys.slice(5));
    expect(await s.get("many/003")).toEqual(new Uint8Array());
  });

  it("fails with the server's answer when the bucket does not exist", async () => {
    const s = objectStoreFor("s3://no-such-bucket-here/x", moto!.env);
    await expect(s.put("k", "v")).rejects.toThrow(/bucket/i);
  });
});

describe("objectStoreFor and s3Settings", () => {
  it("reads the bucket, prefix, endpoint, region and keys", () => {
    const settings = s3Settings("s3://my-bucket/a/b/", { AWS_ENDPOINT_URL: "http://127.0.0.1:9000", AWS_ACCESS_KEY_ID: "k", AWS_SECRET_ACCESS_KEY: "s", AWS_REGION: "eu-west-1" });
    expect(settings).toEqual({ bucket: "my-bucket", prefix: "a/b", endpoint: "http://127.0.0.1:9000", region: "eu-west-1", credentials: { accessKeyId: "k", secretAccessKey: "s", sessionToken: undefined } });
    expect(s3Settings("s3://my-bucket", {})).toMatchObject({ prefix: "", endpoint: undefined, region: "us-east-1", credentials: undefined });
  });

  it("refuses what it cannot use, with a message that says what to write", () => {
    expect(() => objectStoreFor("gs://bucket/x", {})).toThrow(/only s3:\/\/bucket\/prefix and local folder paths/);
    expect(() => objectStoreFor("s3://Bad_Bucket/x", {})).toThrow(/not a valid S3 bucket name/);
    expect(() => objectStoreFor("s3://bucket/x", { AWS_ACCESS_KEY_ID: "only-one" })).toThrow(/both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    expect(() => objectStoreFor("s3://bucket/x", { AWS_ENDPOINT_URL: "127.0.0.1:9000" })).toThrow(/http:\/\/ or https:\/\//);
    expect(() => objectStoreFor(" ", {})).toThrow(/folder path/);
  });

  it("opens a folder path as a folder store, and puts LanceDB beside the objects", () => {
    const folder = objectStoreFor("/tmp/recagent-x", {});
    expect(folder).toBeInstanceOf(FolderObjectStore);
    expect(lanceDbLocation(folder)).toEqual({ uri: "/tmp/recagent-x/lancedb", storageOptions: {} });
    const s3 = objectStoreFor("s3://bucket/p", { AWS_ENDPOINT_URL: "http://127.0.0.1:9000", AWS_ACCESS_KEY_ID: "k", AWS_SECRET_ACCESS_KEY: "s" });
    expect(s3).toBeInstanceOf(S3ObjectStore);
    expect(lanceDbLocation(s3)).toEqual({
      uri: "s3://bucket/p/lancedb",
      storageOptions: { aws_region: "us-east-1", aws_endpoint: "http://127.0.0.1:9000", allow_http: "true", aws_access_key_id: "k", aws_secret_access_key: "s" },
    });
    expect(lanceDbLocation(objectStoreFor("s3://bucket", { AWS_ENDPOINT_URL: "https://s3.example" })).storageOptions).not.toHaveProperty("allow_http");
  });

  it("refuses empty keys and dot segments, which would mean another path in a folder store", async () => {
    const s3 = objectStoreFor("s3://bucket/p", {});
    await expect(s3.put("a/../b", "x")).rejects.toThrow(/segment/);
    await expect(s3.get("")).rejects.toThrow(/empty/);
  });
});
