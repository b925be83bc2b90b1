// Operations API (README "Health and alerts", "HTTP API"): GET /api/health for uptime monitors (200 when
// every disk is fresh, 503 with the stale or failing ones) and GET /api/runs for the dashboard (backups and
// restores of the last day with their progress and results). Registration and translation only.
import { app, type HttpRequest, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { healthView } from "../api/health";
import { RECENT_MS, runsView } from "../api/runs";
import { appContextFromEnv } from "../app/context";
import { guarded } from "./guarded";
import { validateSettingsAtStartup } from "./startup";

validateSettingsAtStartup();

app.http("health", {
  route: "health",
  methods: ["GET"],
  authLevel: "function",
  handler: (_request: HttpRequest, context: InvocationContext) =>
    guarded(context, () => healthView(appContextFromEnv())),
});

app.http("listRuns", {
  route: "runs",
  methods: ["GET"],
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: (_request: HttpRequest, context: InvocationContext) =>
    guarded(context, async () => {
      const client = df.getClient(context);
      const records = await client.getStatusBy({ createdTimeFrom: new Date(Date.now() - RECENT_MS) });
      return { status: 200, jsonBody: runsView(records), headers: { "cache-control": "no-store" } };
    }),
});
