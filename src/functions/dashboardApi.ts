// The web dashboard (README "Dashboard"): GET /api/dashboard serves the page and GET /api/dashboard/{asset}
// its script and style. Anonymous on purpose: the files hold no data and no key; the page calls the HTTP
// API with the function key the user enters (none locally). Registration and translation only.
import { app, type HttpRequest, type HttpResponseInit } from "@azure/functions";
import { dashboardAsset } from "../api/dashboard";

function serve(name: string | undefined): HttpResponseInit {
  const asset = dashboardAsset(name);
  return { status: asset.status, body: asset.body, headers: asset.headers };
}

app.http("dashboard", {
  route: "dashboard",
  methods: ["GET"],
  authLevel: "anonymous",
  handler: async () => serve(undefined),
});

app.http("dashboardAsset", {
  route: "dashboard/{asset}",
  methods: ["GET"],
  authLevel: "anonymous",
  handler: async (request: HttpRequest) => serve(request.params.asset),
});
