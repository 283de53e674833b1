import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { motoForTests } from "../store/moto-server.node.ts";
import { objectStoreFor } from "../store/store-location.node.ts";
import { buildModelFiles, buildSpecOf } from "./artifacts.node.ts";
import { publishBuild, readCurrent } from "./model-versions.node.ts";
import { serviceConfig } from "./node.ts";
import { auth, fixture, health, recommend, replica, tableIds, until } from "./store-replica.fixture.ts";

const moto = await motoForTests();

describe.skipIf(!moto)("a replica on an S3 store (moto)", () => {
  it("serves the version published to S3 and swaps in the next one", { timeout: 120_000 }, async () => {
    const fx = fixture(`s3://${await moto!.createBucket()}/deployment`);
    const store = objectStoreFor(fx.store, moto!.env);
    const publish = async (model: string) => {
      const config = serviceConfig(["--interactions", fx.file, "--model", model, "--no-tune"], {});
      const build = join(fx.dir, `build-${model}`);
      await buildModelFiles(buildSpecOf(config), build, () => {});
      return (await publishBuild(store, build)).version;
    };
    const first = await publish("als");
    const { server, logs } = await replica(fx, "als", moto!.env);
    try {
      expect(await health(server)).toMatchObject({ model: "als", version: first });
      // An item onboarded through the replica lands in the version's table on S3, and in the next version's after the swap.
      const posted = await fetch(`${server.url}/v1/items`, { method: "POST", headers: auth, body: JSON.stringify({ id: "on-s3", title: "Kept On S3", genres: ["Drama"] }) });
      expect(posted.status).toBe(201);
      expect((await tableIds(fx, first, moto!.env)).filter((id) => id === "on-s3")).toHaveLength(1);
      const second = await publish("ease");
      expect((await readCurrent(store))?.version).toBe(second);
      await until("the swap", async () => (await health(server)).version === second, 60_000);
      expect((await health(server)).model).toBe("ease");
      expect(await recommend(server, fx.users[0])).toHaveLength(10);
      expect(logs.some((l) => l.startsWith(`swapped to model version ${second}`))).toBe(true);
      const inSecond = await tableIds(fx, second, moto!.env);
      expect(inSecond.filter((id) => id === "on-s3")).toHaveLength(1);
      expect(new Set(inSecond).size).toBe(inSecond.length);
    } finally {
      await server.close();
    }
  });
});
