using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Infrastructure.ApiTestData;

namespace Portal.Tests.Security;

/// <summary>Stored credentials never come back out: not in any read, not in any log line.</summary>
public sealed class CredentialLeakTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private static string Distinct(string what) => $"LEAK{what}{Guid.NewGuid():N}";

    [Fact]
    public async Task No_read_endpoint_and_no_log_line_contains_a_stored_credential()
    {
        using var http = await app.ClientAsync();
        var oauthClientSecret = Distinct("OauthClientSecret");
        var integrationApiKey = Distinct("IntegrationApiKey");
        var configApiToken = Distinct("ConfigApiToken");
        var authApiKey = Distinct("AuthApiKey");
        var mapApiKey = Distinct("MapApiKey");
        var patchedApiToken = Distinct("PatchedApiToken");
        var credentials = new List<string> { oauthClientSecret, integrationApiKey, configApiToken, authApiKey, mapApiKey, patchedApiToken };
        var bodies = new List<(string What, string Body)>();

        async Task<JsonObject> Read(string what, Task<HttpResponseMessage> request, HttpStatusCode status = HttpStatusCode.OK)
        {
            using var response = await request;
            bodies.Add((what, await response.Content.ReadAsStringAsync()));
            return await response.ExpectAsync(status);
        }

        // store them
        var id = NewId("leak");
        var integration = Integration(id, oauthClientSecret);
        integration["configMetadata"]!["authMetadata"]![1]!["authSettings"]!["parameters"]!["apiKey"] = integrationApiKey;
        var created = await Read("integration create", http.PostAsJsonAsync($"{Base}/integrations", integration), HttpStatusCode.Created);
        Assert.True(OAuthSecretStates(created)["clientSecret"]!["set"]!.GetValue<bool>());
        Assert.True(created["configMetadata"]!["authMetadata"]![1]!["authSettings"]!["secretParameters"]!["apiKey"]!["set"]!.GetValue<bool>());

        var configs = $"{Base}/integrations/{id}/configs";
        var withAuth = await Read("config create (auth)", http.PostAsJsonAsync(configs, new JsonObject
        {
            ["displayName"] = "With auth",
            ["parameters"] = new JsonObject { ["baseUrl"] = "https://crm.example", ["apiToken"] = configApiToken },
            ["auth"] = new JsonObject { ["authMetadataId"] = "key", ["parameters"] = new JsonObject { ["apiKey"] = authApiKey } },
        }), HttpStatusCode.Created);
        Assert.True(withAuth["secretParameters"]!["apiToken"]!["set"]!.GetValue<bool>());
        Assert.True(withAuth["auth"]!["secretParameters"]!["apiKey"]!["set"]!.GetValue<bool>());

        var withMap = await Read("config create (authMap)", http.PostAsJsonAsync(configs, new JsonObject
        {
            ["displayName"] = "With map",
            ["parameters"] = new JsonObject { ["baseUrl"] = "https://crm.example" },
            ["authMap"] = new JsonArray(new JsonObject { ["key"] = "eu", ["auth"] = new JsonObject { ["authMetadataId"] = "key", ["parameters"] = new JsonObject { ["apiKey"] = mapApiKey } } }),
        }), HttpStatusCode.Created);
        Assert.True(withMap["authMap"]![0]!["auth"]!["secretParameters"]!["apiKey"]!["set"]!.GetValue<bool>());

        var authUrl = $"{configs}/{withAuth["id"]}";
        var mapUrl = $"{configs}/{withMap["id"]}";
        var firstRevision = (await Read("publish", http.PostAsync($"{authUrl}:publish", null)))["publishedRevisionId"]!.GetValue<string>();
        await Read("config patch", http.PatchAsJsonAsync(authUrl, new JsonObject { ["parameters"] = new JsonObject { ["apiToken"] = patchedApiToken } }));
        var secondRevision = (await Read("publish again", http.PostAsync($"{authUrl}:publish", null)))["publishedRevisionId"]!.GetValue<string>();
        await Read("rollback", http.PostAsJsonAsync($"{authUrl}:rollback", new { revisionId = firstRevision }));
        await Read("map publish", http.PostAsync($"{mapUrl}:publish", null));
        await Read("integration patch", http.PatchAsJsonAsync($"{Base}/integrations/{id}", new { description = "patched" }));

        // an API client secret is a credential too; use it once so the token path is exercised
        var client = await Read("api client create", http.PostAsJsonAsync($"{Base}/api-clients", new { displayName = "leak check", role = "Viewer" }), HttpStatusCode.Created);
        var clientSecret = client["clientSecret"]!.GetValue<string>();
        await app.TokenAsync(client["clientId"]!.GetValue<string>(), clientSecret);
        var rotated = await Read("api client rotate", http.PostAsync($"{Base}/api-clients/{client["clientId"]}:rotateSecret", null));
        var rotatedSecret = rotated["clientSecret"]!.GetValue<string>();
        using (var wrong = await app.CreateClient().PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = client["clientId"]!.GetValue<string>(),
            ["client_secret"] = clientSecret,
        })))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        bodies.RemoveAll(b => b.What.StartsWith("api client", StringComparison.Ordinal)); // those carry the client secret once, by design

        // read everything back
        await Read("integrations list", http.GetAsync($"{Base}/integrations"));
        await Read("integrations list by text", http.GetAsync($"{Base}/integrations?q={id}"));
        await Read("integration get", http.GetAsync($"{Base}/integrations/{id}"));
        await Read("configs list", http.GetAsync(configs));
        await Read("config get (auth)", http.GetAsync(authUrl));
        await Read("config get (authMap)", http.GetAsync(mapUrl));
        var revisions = await Read("revisions list", http.GetAsync($"{authUrl}/revisions"));
        Assert.Equal(2, revisions["total"]!.GetValue<int>());
        foreach (var revision in new[] { firstRevision, secondRevision })
        {
            var view = await Read($"revision get {revision}", http.GetAsync($"{authUrl}/revisions/{revision}"));
            Assert.True(view["secretParameters"]!["apiToken"]!["set"]!.GetValue<bool>());
        }

        var mapRevisions = await Read("map revisions list", http.GetAsync($"{mapUrl}/revisions"));
        await Read("map revision get", http.GetAsync($"{mapUrl}/revisions/{mapRevisions["items"]![0]!["id"]}"));
        await Read("audit", http.GetAsync($"{Base}/audit?take=500"));
        await Read("api clients list", http.GetAsync($"{Base}/api-clients"));
        await Read("openapi", http.GetAsync("/openapi/v1.json"));

        credentials.Add(clientSecret);
        credentials.Add(rotatedSecret);
        foreach (var (what, body) in bodies)
        {
            foreach (var credential in credentials)
            {
                Assert.False(body.Contains(credential, StringComparison.Ordinal), $"{what} returned a stored credential ({credential[..12]}…): {body}");
            }
        }

        var logs = app.Logs.All;
        credentials.Add(PortalApplication.AdminClientSecret);
        foreach (var credential in credentials)
        {
            Assert.False(logs.Contains(credential, StringComparison.Ordinal), $"a log line contains a stored credential ({credential[..12]}…)");
        }
    }

    [Fact]
    public async Task Validation_errors_do_not_echo_a_secret_value()
    {
        using var http = await app.ClientAsync();
        var id = NewId("leak-errors");
        await http.CreateIntegrationAsync(Integration(id));
        var secret = Distinct("RejectedSecret");
        using var response = await http.PostAsJsonAsync($"{Base}/integrations/{id}/configs", new JsonObject
        {
            ["displayName"] = "Bad",
            ["parameters"] = new JsonObject { ["baseUrl"] = "not a url", ["apiToken"] = secret, ["unknown"] = secret },
            ["auth"] = new JsonObject { ["authMetadataId"] = "key", ["parameters"] = new JsonObject { ["apiKey"] = secret, ["extra"] = 1 } },
        });
        var text = await response.Content.ReadAsStringAsync();
        await response.ExpectValidationAsync("parameters.baseUrl", "parameters.unknown", "auth.parameters.extra");
        Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        Assert.False(app.Logs.All.Contains(secret, StringComparison.Ordinal), "a rejected secret value reached the log");
    }
}
