using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Portal.Tests.Infrastructure;

/// <summary>Request bodies and small helpers shared by the API tests.</summary>
internal static class ApiTestData
{
    public const string Base = "/v1/tenants/default";

    /// <summary>
    /// An integration using every field of seed 001's metadata, in the normalized form the API
    /// returns (options as objects, every parameter field present), so a round trip can be compared whole.
    /// Parameters: baseUrl (required, regex rule), port (Integer 1..65535), ratio (Float), region
    /// (options eu/us), apiToken (secret), filter (Json with a schema requiring "field").
    /// Auth methods: "oauth" (OAUTH2, clientSecret is a credential) and "key" (API_KEY, secret apiKey parameter).
    /// </summary>
    public static JsonObject Integration(string id, string? clientSecret = "crm-oauth-client-secret", string displayName = "CRM", string[]? tags = null)
    {
        var body = JsonNode.Parse($$"""
        {
          "id": "{{id}}",
          "displayName": "{{displayName}}",
          "description": "Customer records of the sales team",
          "type": "CUSTOM",
          "configMetadata": {
            "parametersMetadata": [
              { "name": "baseUrl", "index": 0, "type": "String", "typeName": "url", "integerRange": null, "floatRange": null,
                "options": null, "asset": null, "displayName": "Base URL", "description": "Where the CRM lives",
                "required": true, "secret": false, "defaultValue": null, "jsonSchema": null, "uiHint": { "widget": "url" },
                "rules": [ { "type": "regex", "value": "^https://", "message": "Base URL must start with https://" } ] },
              { "name": "port", "index": 1, "type": "Integer", "typeName": "port", "integerRange": { "min": 1, "max": 65535 }, "floatRange": null,
                "options": null, "asset": null, "displayName": "Port", "description": "TCP port",
                "required": false, "secret": false, "defaultValue": "443", "jsonSchema": null, "uiHint": null, "rules": [] },
              { "name": "ratio", "index": 2, "type": "Float", "typeName": null, "integerRange": null, "floatRange": { "min": 0.5, "max": 2.5 },
                "options": null, "asset": null, "displayName": "Ratio", "description": null,
                "required": false, "secret": false, "defaultValue": "1.5", "jsonSchema": null, "uiHint": null, "rules": [] },
              { "name": "region", "index": 3, "type": "String", "typeName": null, "integerRange": null, "floatRange": null,
                "options": [ { "value": "eu", "displayName": "Europe" }, { "value": "us", "displayName": "United States" } ],
                "asset": { "icon": "globe.svg" }, "displayName": "Region", "description": "Data residency",
                "required": false, "secret": false, "defaultValue": "eu", "jsonSchema": null, "uiHint": { "widget": "select" }, "rules": [] },
              { "name": "apiToken", "index": 4, "type": "String", "typeName": null, "integerRange": null, "floatRange": null,
                "options": null, "asset": null, "displayName": "API token", "description": "Service token",
                "required": false, "secret": true, "defaultValue": null, "jsonSchema": null, "uiHint": { "widget": "password" }, "rules": [] },
              { "name": "filter", "index": 5, "type": "Json", "typeName": "filter", "integerRange": null, "floatRange": null,
                "options": null, "asset": null, "displayName": "Filter", "description": "Which records to sync",
                "required": false, "secret": false, "defaultValue": null,
                "jsonSchema": { "type": "object", "required": [ "field" ], "properties": { "field": { "type": "string" } } },
                "uiHint": null, "rules": [] }
            ],
            "authMetadata": [
              { "id": "oauth", "displayName": "OAuth", "description": "Sign in with the CRM", "type": "OAUTH2", "sensitivity": "HIGH",
                "authProviderName": "crm-idp", "configTestSupported": false, "supportedLevels": [ "APPLICATION", "USER" ],
                "authMap": { "useMap": false, "keyTemplate": null, "parametersMetadata": [] },
                "authSettings": { "parameters": {
                  "authorizationUrl": "https://idp.crm.example/authorize", "tokenUrl": "https://idp.crm.example/token",
                  "clientId": "crm-client", "scopes": [ "read", "write" ] } },
                "parametersMetadata": [], "availableScopes": [ "read", "write", "admin" ] },
              { "id": "key", "displayName": "API key", "description": "A static key", "type": "API_KEY", "sensitivity": "MEDIUM",
                "authProviderName": null, "configTestSupported": true, "supportedLevels": [ "APPLICATION" ],
                "authMap": { "useMap": true, "keyTemplate": "KEY_TEMPLATE", "parametersMetadata": [
                  { "name": "region", "index": 0, "type": "String", "typeName": null, "integerRange": null, "floatRange": null,
                    "options": null, "asset": null, "displayName": "Region", "description": null,
                    "required": true, "secret": false, "defaultValue": null, "jsonSchema": null, "uiHint": null, "rules": [] } ] },
                "authSettings": { "parameters": { "testUrl": "https://crm.example/ping", "headerName": "X-Api-Key" } },
                "parametersMetadata": [
                  { "name": "apiKey", "index": 0, "type": "String", "typeName": null, "integerRange": null, "floatRange": null,
                    "options": null, "asset": null, "displayName": "API key", "description": null,
                    "required": true, "secret": true, "defaultValue": null, "jsonSchema": null, "uiHint": null, "rules": [] } ],
                "availableScopes": [] }
            ]
          },
          "tags": [ "crm", "sales" ],
          "isInternal": true
        }
        """)!.AsObject();
        body["configMetadata"]!["authMetadata"]![1]!["authMap"]!["keyTemplate"] = "{{region}}";
        if (clientSecret is not null)
        {
            OAuthSettings(body)["clientSecret"] = clientSecret;
        }

        if (tags is not null)
        {
            body["tags"] = new JsonArray(tags.Select(t => (JsonNode)JsonValue.Create(t)).ToArray());
        }

        return body;
    }

    /// <summary>A minimal valid integration (no metadata).</summary>
    public static JsonObject SmallIntegration(string id, string displayName = "Small", string[]? tags = null, string? description = null) => new()
    {
        ["id"] = id,
        ["displayName"] = displayName,
        ["description"] = description,
        ["tags"] = new JsonArray((tags ?? []).Select(t => (JsonNode)JsonValue.Create(t)).ToArray()),
    };

    /// <summary>The authSettings.parameters of the "oauth" method of a body or a response.</summary>
    public static JsonObject OAuthSettings(JsonNode integration) =>
        integration["configMetadata"]!["authMetadata"]!.AsArray().Single(a => a!["id"]!.GetValue<string>() == "oauth")!["authSettings"]!["parameters"]!.AsObject();

    public static JsonObject OAuthSecretStates(JsonNode integration) =>
        integration["configMetadata"]!["authMetadata"]!.AsArray().Single(a => a!["id"]!.GetValue<string>() == "oauth")!["authSettings"]!["secretParameters"]!.AsObject();

    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 64)];

    public static async Task<JsonObject> CreateIntegrationAsync(this HttpClient http, JsonObject body, string tenant = PortalApplication.Tenant) =>
        await (await http.PostAsJsonAsync($"/v1/tenants/{tenant}/integrations", body)).ExpectAsync(HttpStatusCode.Created);

    public static async Task<JsonObject> CreateConfigAsync(this HttpClient http, string integrationId, JsonObject body) =>
        await (await http.PostAsJsonAsync($"{Base}/integrations/{integrationId}/configs", body)).ExpectAsync(HttpStatusCode.Created);

    /// <summary>The field errors of a validation ProblemDetails.</summary>
    public static JsonObject Errors(this JsonObject problem) =>
        problem["errors"] as JsonObject ?? throw new Xunit.Sdk.XunitException($"problem has no errors: {problem}");

    public static async Task<JsonObject> ExpectValidationAsync(this HttpResponseMessage response, params string[] fields)
    {
        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
        var errors = problem.Errors();
        foreach (var field in fields)
        {
            Assert.True(errors.ContainsKey(field), $"expected a field error '{field}', got: {errors.ToJsonString()}");
            Assert.NotEmpty(errors[field]!.AsArray());
        }

        return problem;
    }
}
