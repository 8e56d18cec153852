using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Common;
using Portal.Core.Configs;
using Portal.Core.Data;
using Portal.Core.Integrations;
using Portal.Core.SigningSecrets;
using Portal.Core.Tenancy;
using Portal.Core.Webhooks;

namespace Portal.Core.Demo;

/// <summary><c>Portal:Demo</c>: <c>Enabled=true</c> fills an empty bootstrap tenant with sample data at start.</summary>
public sealed class DemoOptions
{
    public const string Section = "Portal:Demo";

    public bool Enabled { get; set; }
}

/// <summary>
/// A newcomer's first look: realistic integrations (an OAuth CRM, a payments provider with a webhook URL and received
/// events, a code host whose webhooks must be signed, a marketing tool not set up yet), configs in every state the home
/// page reports, all made through the same Core services as the API. Runs only when the tenant has no integration, so
/// a restart never duplicates it and real data is never touched. The secrets it mints are not shown anywhere: rotate
/// them to get ones you can use.
/// </summary>
public sealed class DemoSeeder(
    IDbContextFactory<PortalDbContext> dbFactory,
    IntegrationService integrations,
    ConfigService configs,
    WebhookService webhooks,
    SigningSecretService signingSecrets,
    IOptions<PortalOptions> portal,
    TimeProvider time,
    ILogger<DemoSeeder> log)
{
    public async Task<bool> SeedAsync(string tenant, CancellationToken ct = default)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            if (await db.Integrations.AnyAsync(i => i.TenantId == tenant, ct))
            {
                return false;
            }
        }

        var actor = Actor.System(tenant);
        foreach (var json in Integrations)
        {
            var input = PortalJson.Deserialize<IntegrationInput>(json);
            Check(await integrations.CreateAsync(actor, input, ct), $"integration {input.Id}");
        }

        // Salesforce: production published and connected later by the admin; a sandbox that was never published.
        var production = Check(await configs.CreateAsync(actor, "salesforce", Config("Production", "Sales team's org", ("instanceUrl", "https://acme.my.salesforce.com"), ("apiVersion", "v60.0")), ct), "config");
        Check(await configs.PublishAsync(actor, "salesforce", production.Id, ct), "publish");
        Check(await configs.CreateAsync(actor, "salesforce", Config("Sandbox", "Try changes here first", ("instanceUrl", "https://acme--dev.sandbox.my.salesforce.com"), ("apiVersion", "v60.0")), ct), "config");

        // Stripe: a live config with a webhook URL and a few received events.
        var live = Check(await configs.CreateAsync(actor, "stripe", Config("Live", "Payments of the web shop", ("account", "acct_1Demo"), ("currency", "eur")), ct), "config");
        Check(await configs.PublishAsync(actor, "stripe", live.Id, ct), "publish");
        var baseUrl = string.IsNullOrWhiteSpace(portal.Value.PublicBaseUrl) ? "http://localhost:5000" : portal.Value.PublicBaseUrl!;
        Check(await webhooks.GenerateUrlAsync(actor, "stripe", live.Id, baseUrl, ct), "webhook URL");
        await AddEventsAsync(tenant, "stripe", live.Id, ct);

        // GitHub: webhooks must be signed with a named signing secret; the draft has an unpublished change.
        Check(await signingSecrets.CreateAsync(actor, new SigningSecretInput { Name = "github-webhooks" }, ct), "signing secret");
        var org = Check(await configs.CreateAsync(actor, "github", Config("acme-org", "Repositories of the Acme organisation", ("organization", "acme")), ct), "config");
        Check(await configs.PublishAsync(actor, "github", org.Id, ct), "publish");
        Check(await configs.UpdateAsync(actor, "github", org.Id, new ConfigInput { SigningSecretName = "github-webhooks" }, ct: ct), "attach signing secret");

        log.LogInformation("Demo data added to tenant {Tenant}: 4 integrations, 4 configs, a webhook URL with sample events.", tenant);
        return true;
    }

    private static ConfigInput Config(string name, string description, params (string Name, string Value)[] parameters) => new()
    {
        DisplayName = name,
        Description = description,
        Parameters = parameters.ToDictionary(p => p.Name, p => (JsonNode?)JsonValue.Create(p.Value)),
    };

    private async Task AddEventsAsync(string tenant, string integration, Guid config, CancellationToken ct)
    {
        var now = time.NowMs();
        string[] types = ["payment_intent.succeeded", "customer.created", "charge.refunded", "invoice.paid", "payment_intent.payment_failed"];
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        for (var i = 0; i < types.Length; i++)
        {
            var body = new JsonObject
            {
                ["id"] = $"evt_demo_{i + 1}",
                ["type"] = types[i],
                ["created"] = (now - (types.Length - i) * 600_000) / 1000,
                ["data"] = new JsonObject { ["object"] = new JsonObject { ["amount"] = 1999 + i * 500, ["currency"] = "eur" } },
            };
            db.WebhookEvents.Add(new WebhookEvent
            {
                TenantId = tenant,
                IntegrationId = integration,
                ConfigId = config,
                WebhookId = $"evt_demo_{i + 1}",
                ReceivedAt = now - (types.Length - i) * 600_000,
                ContentType = "application/json",
                Body = Encoding.UTF8.GetBytes(body.ToJsonString()),
            });
        }

        await db.SaveChangesAsync(ct);
    }

    private static T Check<T>(Result<T> result, string what) =>
        result.IsSuccess ? result.Value! : throw new InvalidOperationException($"The demo data could not be added ({what}): {result.Error!.Detail}");

    private static readonly string[] Integrations =
    [
        """
        { "id": "salesforce", "displayName": "Salesforce", "description": "Accounts, contacts and opportunities of the sales team.",
          "type": "CUSTOM", "tags": ["crm", "sales"],
          "configMetadata": {
            "parametersMetadata": [
              { "name": "instanceUrl", "index": 0, "type": "String", "displayName": "Instance URL", "description": "Your org's My Domain URL", "required": true,
                "rules": [ { "type": "regex", "value": "^https://", "message": "The instance URL starts with https://" } ] },
              { "name": "apiVersion", "index": 1, "type": "String", "displayName": "API version", "required": false, "defaultValue": "v60.0" }
            ],
            "authMetadata": [
              { "id": "oauth", "displayName": "Sign in with Salesforce", "type": "OAUTH2", "sensitivity": "HIGH", "supportedLevels": ["APPLICATION"],
                "authSettings": { "parameters": { "authorizationUrl": "https://login.salesforce.com/services/oauth2/authorize",
                  "tokenUrl": "https://login.salesforce.com/services/oauth2/token", "clientId": "demo-connected-app", "scopes": ["api", "refresh_token"] } },
                "availableScopes": ["api", "refresh_token", "full"] }
            ] } }
        """,
        """
        { "id": "stripe", "displayName": "Stripe", "description": "Payments of the web shop; Stripe posts its events to the webhook URL.",
          "type": "CUSTOM", "tags": ["payments"],
          "configMetadata": {
            "parametersMetadata": [
              { "name": "account", "index": 0, "type": "String", "displayName": "Account id", "required": true },
              { "name": "currency", "index": 1, "type": "String", "displayName": "Currency", "required": true, "defaultValue": "eur",
                "options": [ { "value": "eur", "displayName": "Euro" }, { "value": "usd", "displayName": "US dollar" }, { "value": "gbp", "displayName": "Pound sterling" } ] }
            ],
            "authMetadata": [
              { "id": "key", "displayName": "Secret key", "type": "API_KEY", "sensitivity": "HIGH", "configTestSupported": true, "supportedLevels": ["APPLICATION"],
                "authSettings": { "parameters": { "testUrl": "https://api.stripe.com/v1/balance", "headerName": "Authorization" } },
                "parametersMetadata": [ { "name": "apiKey", "index": 0, "type": "String", "displayName": "Secret key", "required": true, "secret": true } ] }
            ] } }
        """,
        """
        { "id": "github", "displayName": "GitHub", "description": "Push and pull-request events of the company's repositories, signed.",
          "type": "CUSTOM", "tags": ["devtools"],
          "configMetadata": {
            "parametersMetadata": [ { "name": "organization", "index": 0, "type": "String", "displayName": "Organization", "required": true } ],
            "authMetadata": [
              { "id": "token", "displayName": "Personal access token", "type": "BEARER_TOKEN", "sensitivity": "MEDIUM", "supportedLevels": ["APPLICATION"],
                "parametersMetadata": [ { "name": "token", "index": 0, "type": "String", "displayName": "Token", "required": true, "secret": true } ] }
            ] } }
        """,
        """
        { "id": "hubspot", "displayName": "HubSpot", "description": "Marketing contacts; not set up yet.", "type": "CUSTOM", "tags": ["crm", "marketing"] }
        """,
    ];
}
