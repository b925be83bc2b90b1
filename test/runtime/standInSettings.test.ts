// How `npm start` points the app at the Resource Manager stand-in: a loopback ARM_ENDPOINT becomes the
// stand-in's actual URL (ARM_PORT may move it) and an empty ARM_CA_CERT_FILE its certificate; a real
// cloud's endpoint, and a certificate file someone set, are left alone.
import { describe, expect, it } from "vitest";
import { useStandIn } from "../../local/start";

const arm = { url: "https://127.0.0.1:43210", certPath: "/data/arm/cert.pem" };

describe("useStandIn", () => {
  it("points a loopback endpoint at the stand-in and fills the certificate", () => {
    const settings = { ARM_ENDPOINT: "https://127.0.0.1:10443", ARM_CA_CERT_FILE: "" };
    useStandIn(settings, arm);
    expect(settings).toEqual({ ARM_ENDPOINT: arm.url, ARM_CA_CERT_FILE: arm.certPath });
    const own = { ARM_ENDPOINT: "https://localhost:10443", ARM_CA_CERT_FILE: "/mine.pem" };
    useStandIn(own, arm);
    expect(own).toEqual({ ARM_ENDPOINT: arm.url, ARM_CA_CERT_FILE: "/mine.pem" });
  });

  it("leaves a real cloud's endpoint (and no endpoint) alone", () => {
    const cloud = { ARM_ENDPOINT: "https://management.usgovcloudapi.net" };
    useStandIn(cloud, arm);
    expect(cloud).toEqual({ ARM_ENDPOINT: "https://management.usgovcloudapi.net" });
    const none: Record<string, string> = {};
    useStandIn(none, arm);
    expect(none).toEqual({});
  });
});
