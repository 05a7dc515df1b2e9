// A TypeScript consumer of the mailnotify API, typed by openapi-typescript from the spec.
// tests/typescript/test_typescript_consumer.py generates generated/openapi.ts (from
// openapi.yaml) and generated/live.ts (from the live /api/openapi.json), compiles this
// with `tsc --strict`, and runs it against a live server. It prints one JSON object: what
// each call answered.
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/openapi";
import type { components as liveComponents, paths as livePaths } from "./generated/live";

type Settings = components["schemas"]["NotificationSettings"];
type ErrorBody = components["schemas"]["ErrorBody"];
type QuotaEvent = components["schemas"]["EmailOverquotaEvent"];
type DomainEvent = components["schemas"]["DomainCreateEvent"];
type PingEvent = components["schemas"]["PingEvent"];
type WebhookEvent = QuotaEvent | DomainEvent | PingEvent;
type Delivery = components["schemas"]["Delivery"];

// The spec served live and the file give the very same types.
type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const samePaths: Equal<paths, livePaths> = true;
const sameComponents: Equal<components, liveComponents> = true;

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    throw new Error(`${name} is not set`);
  }
  return value;
}

const baseUrl = required("MAILNOTIFY_API_URL");
const customer = createClient<paths>({
  baseUrl,
  headers: { "X-Api-Token": required("MAILNOTIFY_TOKEN") },
});
const platform = createClient<paths>({
  baseUrl,
  headers: { "X-Api-Token": required("MAILNOTIFY_PLATFORM_TOKEN") },
});
const customerCode = required("MAILNOTIFY_CUSTOMER_CODE");

// What a consumer does with any error: the contract's body, whatever the status.
function describe(status: number, error: ErrorBody): string {
  const fields = error.errors.map((e) => `${e.field} ${e.description}`).join("; ");
  return fields === "" ? `${status} ${error.message}` : `${status} ${error.message}: ${fields}`;
}

function settingsOf(body: { resources: Settings[] } | undefined): Settings {
  const settings = body?.resources[0];
  if (settings === undefined) {
    throw new Error("no settings in the answer");
  }
  return settings;
}

// A receiver's dispatch on the webhook body: open values fall through to a default.
function handle(event: WebhookEvent): string {
  switch (event.action_type) {
    case "email_overquota":
      switch (event.metric) {
        case "space":
        case "messages":
          return `${event.payload.email_address} ${event.event} ${event.metric} ${event.payload.crossed}`;
        default:
          return `ignored metric ${event.metric}`;
      }
    case "domain_create":
      return `${event.domain_name} by ${event.postmaster_code}`;
    case "ping":
      return `ping ${event.id}`;
  }
}

// A delivery log row as a dashboard shows it: statuses and channels are open values.
function row(delivery: Delivery): string {
  switch (delivery.status) {
    case "pending":
    case "delivered":
    case "failed":
    case "skipped":
      return `${delivery.action_type} ${delivery.channel} ${delivery.status}`;
    default:
      return `${delivery.action_type} ${delivery.channel} unknown status ${delivery.status}`;
  }
}

async function main(): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = { samePaths, sameComponents };

  const read = await customer.GET("/users/me/notifications");
  results["getNotificationSettings"] = settingsOf(read.data);

  const saved = await customer.PUT("/users/me/notifications", {
    body: { notification_email: "ops@example.com", email_overquota_email: true },
  });
  results["updateNotificationSettings"] = settingsOf(saved.data).email_overquota_email;

  const refused = await customer.PUT("/users/me/notifications", {
    body: { notification_email: null },
  });
  results["updateNotificationSettings422"] =
    refused.error === undefined ? "accepted" : describe(refused.response.status, refused.error);

  const secret = await customer.GET("/users/me/notifications/signing-secret");
  const firstSecret = secret.data?.resources[0]?.secret;
  results["getSigningSecret"] = firstSecret?.startsWith("whsec_") ?? false;

  const rotated = await customer.POST("/users/me/notifications/signing-secret/rotate", {
    body: { previous_expires_in: 3600 },
  });
  const rotation = rotated.data?.resources[0];
  results["rotateSigningSecret"] =
    rotation === undefined
      ? describe(rotated.response.status, rotated.error!)
      : {
          fresh: rotation.secret.startsWith("whsec_") && rotation.secret !== firstSecret,
          overlap: rotation.previous_expires_at !== null,
        };

  const tooLong = await customer.POST("/users/me/notifications/signing-secret/rotate", {
    body: { previous_expires_in: 604801 },
  });
  results["rotateSigningSecret422"] =
    tooLong.error === undefined ? "accepted" : describe(tooLong.response.status, tooLong.error);

  // No webhook URL is saved: the test names it. The email test is recorded (no SMTP here).
  const noUrl = await customer.POST("/users/me/notifications/test", {
    body: { channel: "webhook" },
  });
  results["sendTestNotification422"] =
    noUrl.error === undefined ? "accepted" : describe(noUrl.response.status, noUrl.error);
  const tested = await customer.POST("/users/me/notifications/test", {
    body: { channel: "email" },
  });
  const ping = tested.data?.resources[0];
  if (ping === undefined) {
    throw new Error(`no test delivery: ${describe(tested.response.status, tested.error!)}`);
  }
  results["sendTestNotification"] = { row: row(ping), attempts: ping.attempts.length };

  const log = await customer.GET("/users/me/notifications/deliveries", {
    params: { query: { channel: "email", action_type: "ping", per: 10 } },
  });
  results["listDeliveries"] =
    log.data === undefined
      ? describe(log.response.status, log.error)
      : { rows: log.data.resources.map(row), total: log.data.pagination.total_records };

  const badQuery = await customer.GET("/users/me/notifications/deliveries", {
    params: { query: { per: 500 } },
  });
  results["listDeliveries422"] =
    badQuery.error === undefined ? "accepted" : describe(badQuery.response.status, badQuery.error);

  const detail = await customer.GET("/users/me/notifications/deliveries/{delivery_id}", {
    params: { path: { delivery_id: ping.id } },
  });
  const found = detail.data?.resources[0];
  results["getDelivery"] =
    found === undefined
      ? describe(detail.response.status, detail.error!)
      : { sameEvent: found.event_id === ping.event_id, attempts: found.attempts.length };

  const again = await customer.POST(
    "/users/me/notifications/deliveries/{delivery_id}/redeliver",
    { params: { path: { delivery_id: ping.id } } },
  );
  const queued = again.data?.resources[0];
  results["redeliverDelivery"] =
    queued === undefined
      ? describe(again.response.status, again.error!)
      : { status: again.response.status, row: row(queued) };

  const domain = await platform.PUT("/platform/domains/{domain_name}", {
    params: { path: { domain_name: "example.com" } },
    body: { customer_code: customerCode, postmaster_code: "PM2E7A9C4B6D10", status: "active" },
  });
  results["upsertDomain"] = domain.data?.resources[0]?.status ?? describe(0, domain.error!);

  const batch: components["schemas"]["UsageBatch"] = {
    reports: [
      {
        email_address: "alice@example.com",
        email_code: "MB7C2E9A4F1D08",
        domain_name: "example.com",
        observed_at: "2026-11-24T10:00:00Z",
        space: { used: 6871947674, assigned: 8589934592 },
        messages: { used: 1200, assigned: 100000 },
      },
    ],
  };
  const usage = await platform.POST("/platform/usage", { body: batch });
  results["reportUsage"] = usage.data?.resources[0] ?? describe(0, usage.error!);

  const forbidden = await customer.POST("/platform/usage", { body: batch });
  results["reportUsageAsCustomer"] =
    forbidden.error === undefined ? "accepted" : describe(forbidden.response.status, forbidden.error);

  const unknownDomain = await platform.PUT("/platform/domains/{domain_name}", {
    params: { path: { domain_name: "Not a domain!" } },
    body: { customer_code: customerCode, postmaster_code: "PM2E7A9C4B6D10", status: "pending" },
  });
  results["upsertDomain422"] =
    unknownDomain.error === undefined
      ? "accepted"
      : describe(unknownDomain.response.status, unknownDomain.error);

  // Webhook bodies as a receiver parses them: a newer server's fields and values included.
  const bodies: string[] = JSON.parse(required("MAILNOTIFY_WEBHOOK_BODIES"));
  results["webhooks"] = bodies.map((body) => handle(JSON.parse(body) as WebhookEvent));
  return results;
}

main().then(
  (results) => console.log(JSON.stringify(results)),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
