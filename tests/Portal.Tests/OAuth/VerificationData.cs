using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.OAuth;

/// <summary>Integrations whose auth methods point at loopback servers, and helpers for the verification endpoints.</summary>
internal static class VerificationData
{
    private static JsonObject Secret(string name) => new()
    {
        ["name"] = name, ["type"] = "String", ["required"] = true, ["secret"] = true,
    };

    private static JsonObject Method(string id, string type, JsonObject settings, JsonArray parameters, bool configTest = true, bool useMap = true) => new()
    {
        ["id"] = id,
        ["type"] = type,
        ["configTestSupported"] = configTest,
        ["authMap"] = new JsonObject { ["useMap"] = useMap },
        ["authSettings"] = new JsonObject { ["parameters"] = settings },
        ["parametersMetadata"] = parameters,
    };

    /// <summary>
    /// Auth methods: key (API_KEY header X-Api-Key at /ping), custom (header X-Custom-Key), query (in: query, queryName key),
    /// bearer (BEARER_TOKEN, configTestSupported false), basic (BASIC), broken (answers 503), same (same-host redirect to /ping),
    /// away (redirects to another host), and, when given, oauth (OAUTH2 at the given server).
    /// </summary>
    public static JsonObject Integration(string id, string upstream, string? oauthBase = null, string oauthClientId = "", string oauthSecret = "")
    {
        var methods = new JsonArray
        {
            Method("key", "API_KEY", new JsonObject { ["testUrl"] = $"{upstream}/ping" }, [Secret("apiKey")]),
            Method("custom", "API_KEY", new JsonObject { ["testUrl"] = $"{upstream}/custom-header", ["headerName"] = "X-Custom-Key" }, [Secret("apiKey")]),
            Method("query", "API_KEY", new JsonObject { ["testUrl"] = $"{upstream}/query", ["in"] = "query", ["queryName"] = "key" }, [Secret("apiKey")]),
            Method("bearer", "BEARER_TOKEN", new JsonObject { ["testUrl"] = $"{upstream}/bearer" }, [Secret("token")], configTest: false),
            Method("basic", "BASIC", new JsonObject { ["testUrl"] = $"{upstream}/basic" },
                [new JsonObject { ["name"] = "username", ["type"] = "String", ["required"] = true }, Secret("password")]),
            Method("broken", "API_KEY", new JsonObject { ["testUrl"] = $"{upstream}/broken" }, [Secret("apiKey")]),
            Method("same", "API_KEY", new JsonObject { ["testUrl"] = $"{upstream}/redirect-same" }, [Secret("apiKey")]),
            Method("away", "API_KEY", new JsonObject { ["testUrl"] = $"{upstream}/redirect-away" }, [Secret("apiKey")]),
        };
        if (oauthBase is not null)
        {
            methods.Add(Method("oauth", "OAUTH2", new JsonObject
            {
                ["authorizationUrl"] = $"{oauthBase}/connect/authorize",
                ["tokenUrl"] = $"{oauthBase}/connect/token",
                ["clientId"] = oauthClientId,
                ["clientSecret"] = oauthSecret,
                ["scopes"] = new JsonArray("read", "offline_access"),
            }, [], configTest: false));
        }

        return new JsonObject
        {
            ["id"] = id,
            ["displayName"] = "Upstream",
            ["configMetadata"] = new JsonObject { ["parametersMetadata"] = new JsonArray(), ["authMetadata"] = methods },
        };
    }

    public static JsonObject Auth(string method, JsonObject? parameters = null) => new()
    {
        ["authMetadataId"] = method,
        ["parameters"] = parameters ?? new JsonObject(),
    };

    public static JsonObject Key(string value) => new() { ["apiKey"] = value };

    public static JsonObject ConfigWithAuth(JsonObject auth) => new() { ["displayName"] = "Verify me", ["auth"] = auth };

    public static JsonObject ConfigWithAuthMap(params (string Key, JsonObject Auth)[] entries) => new()
    {
        ["displayName"] = "Per region",
        ["authMap"] = new JsonArray(entries.Select(e => (JsonNode)new JsonObject { ["key"] = e.Key, ["auth"] = e.Auth }).ToArray()),
    };

    public static async Task<(string Integration, string Config)> ConfigAsync(this HttpClient http, string upstream, JsonObject config, string? oauthBase = null, string clientId = "", string clientSecret = "")
    {
        var id = ApiTestData.NewId("up");
        await http.CreateIntegrationAsync(Integration(id, upstream, oauthBase, clientId, clientSecret));
        var created = await http.CreateConfigAsync(id, config);
        return (id, created["id"]!.GetValue<string>());
    }

    public static Task<HttpResponseMessage> VerifyAuthAsync(this HttpClient http, string integration, string config, int? authMapIndex = null) =>
        http.PostAsync($"{ApiTestData.Base}/integrations/{integration}/configs/{config}:verifyAuth{(authMapIndex is null ? "" : $"?authMapIndex={authMapIndex}")}", null);

    public static async Task<JsonObject> VerifiedAsync(this HttpClient http, string integration, string config, int? authMapIndex = null) =>
        await (await http.VerifyAuthAsync(integration, config, authMapIndex)).ExpectAsync(HttpStatusCode.OK);

    public static Task<HttpResponseMessage> VerifyConfigAsync(this HttpClient http, string integration, JsonObject auth) =>
        http.PostAsJsonAsync($"{ApiTestData.Base}/integrations/{integration}:verifyConfig", new JsonObject { ["auth"] = auth });
}
