using Microsoft.Extensions.DependencyInjection;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using Portal.Tests.Mcp;
using Portal.Tests.OAuth;
using Portal.Tests.Webhooks;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Portal.Tests.Figures;

/// <summary>One API operation as the OpenAPI document declares it.</summary>
public sealed record Route(string Method, string Template, IReadOnlyList<string> PathParameters, IReadOnlyList<string> QueryParameters, JsonObject? BodySchema, bool McpKeyOnly)
{
    public bool Mutates => Method is "POST" or "PUT" or "PATCH" or "DELETE";

    public override string ToString() => $"{Method} {Template}";
}

/// <summary>What a request got back, kept for the secret-hygiene figure.</summary>
public sealed record Recorded(string Method, string Path, int Status, string Body);

/// <summary>
/// The figures suite's portal: the real app with Trace logs and a fake clock (<see cref="WebhookPortal"/>), a loopback
/// OAuth server, every response of the suite's clients recorded, and the route catalogue read from <c>/openapi/v1.json</c>.
/// </summary>
public sealed class FiguresPortal : IAsyncLifetime
{
    public WebhookPortal Portal { get; } = new();

    public LoopbackAuthorizationServer AuthorizationServer { get; private set; } = null!;

    public ConcurrentQueue<Recorded> Responses { get; } = new();

    public IReadOnlyList<Route> Routes { get; private set; } = [];

    public JsonObject OpenApi { get; private set; } = [];

    private string? _adminToken;

    public async Task InitializeAsync()
    {
        AuthorizationServer = await LoopbackAuthorizationServer.StartAsync(AuthorizationServerFixture.Callback);
        using var anonymous = Portal.Factory.CreateClient();
        OpenApi = await (await anonymous.GetAsync("/openapi/v1.json")).ExpectAsync(HttpStatusCode.OK);
        var routes = new List<Route>();
        foreach (var (path, item) in OpenApi["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                if (method is not ("get" or "post" or "put" or "patch" or "delete"))
                {
                    continue;
                }

                var parameters = operation!["parameters"]?.AsArray().Select(p => p!) ?? [];
                routes.Add(new Route(
                    method.ToUpperInvariant(),
                    path,
                    parameters.Where(p => p["in"]!.GetValue<string>() == "path").Select(p => p["name"]!.GetValue<string>()).ToList(),
                    parameters.Where(p => p["in"]!.GetValue<string>() == "query").Select(p => p["name"]!.GetValue<string>()).ToList(),
                    operation["requestBody"]?["content"]?["application/json"]?["schema"] is JsonObject schema ? schema : null,
                    operation["security"] is JsonArray security && security.Count > 0 && security.All(r => r is JsonObject o && o.Count == 1 && o.ContainsKey("McpKey"))));
            }
        }

        Routes = routes;
    }

    /// <summary>A client whose every response is recorded; with the shared admin token unless another is given (the token endpoint throttles failures).</summary>
    public async Task<HttpClient> ClientAsync(string? token = null)
    {
        var http = Portal.Factory.CreateDefaultClient(new Recorder(Responses));
        if (token is null)
        {
            _adminToken ??= await TokenAsync(PortalApplication.AdminClientId, PortalApplication.AdminClientSecret);
            token = _adminToken;
        }

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    public async Task<string> TokenAsync(string clientId, string secret)
    {
        using var http = Portal.Factory.CreateDefaultClient(new Recorder(Responses));
        using var response = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret,
        }));
        return (await response.ExpectAsync(HttpStatusCode.OK))["access_token"]!.GetValue<string>();
    }

    /// <summary>A browser-like anonymous client (no redirects followed), recorded.</summary>
    public HttpClient Browser() => Portal.Factory.CreateDefaultClient(new Recorder(Responses));

    /// <summary>Resolves a JSON Schema <c>$ref</c> of the document.</summary>
    public JsonObject? Resolve(JsonNode? schema)
    {
        for (var i = 0; i < 8 && schema?["$ref"] is { } reference; i++)
        {
            var path = reference.GetValue<string>().TrimStart('#', '/').Split('/');
            schema = path.Aggregate((JsonNode?)OpenApi, (node, part) => node?[part]);
        }

        return schema as JsonObject;
    }

    /// <summary>A plausible body for a schema: every declared property with a value of its type.</summary>
    /// <summary>Properties named like a path parameter (or <c>revisionId</c>, <c>configId</c>) take the real id.</summary>
    public JsonObject SampleBody(JsonObject? schema, IReadOnlyDictionary<string, string>? ids = null)
    {
        var body = new JsonObject();
        if (Resolve(schema)?["properties"] is JsonObject properties)
        {
            foreach (var (name, property) in properties)
            {
                var key = name.EndsWith("Id", StringComparison.Ordinal) && name != "clientId" ? name[..^2] : name;
                body[name] = ids is not null && ids.TryGetValue(key, out var id) ? id : Sample(Resolve(property), 0);
            }
        }

        return body;
    }

    private JsonNode? Sample(JsonObject? schema, int depth)
    {
        if ((schema?["oneOf"] ?? schema?["anyOf"]) is JsonArray alternatives)
        {
            schema = alternatives.Select(Resolve).FirstOrDefault(a => a?["type"]?.ToString() != "null") ?? schema;
        }
        if (schema?["enum"] is JsonArray values && values.Count > 0)
        {
            return values[0]?.DeepClone();
        }

        if (schema?["format"]?.GetValue<string>() == "uuid")
        {
            return Guid.NewGuid().ToString();
        }

        var type = schema?["type"] switch
        {
            JsonArray types => types.Select(t => t!.GetValue<string>()).FirstOrDefault(t => t != "null"),
            JsonValue value => value.GetValue<string>(),
            _ => null,
        };
        return type switch
        {
            "string" => "sample",
            "integer" => 1,
            "number" => 1.5,
            "boolean" => true,
            "array" => new JsonArray(),
            "object" when depth < 2 && schema?["properties"] is JsonObject properties =>
                new JsonObject(properties.Select(p => KeyValuePair.Create(p.Key, Sample(Resolve(p.Value), depth + 1)))),
            _ => new JsonObject(),
        };
    }

    public Task DisposeAsync()
    {
        Portal.Dispose();
        return AuthorizationServer.DisposeAsync().AsTask();
    }

    private sealed class Recorder(ConcurrentQueue<Recorded> responses) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            responses.Enqueue(new Recorded(request.Method.Method, request.RequestUri!.PathAndQuery, (int)response.StatusCode, body));
            return response;
        }
    }
}

/// <summary>Real resources of one tenant, to fill every path parameter of every route with an id that exists.</summary>
public sealed class Victim
{
    public required string Tenant { get; init; }

    public required Dictionary<string, string> Ids { get; init; }

    /// <summary>The binding routes address a PER_BINDING integration and its config.</summary>
    public required Dictionary<string, string> BindingIds { get; init; }

    public static async Task<Victim> SeedAsync(FiguresPortal figures, HttpClient admin)
    {
        var tenant = PortalApplication.Tenant;
        var (integration, config) = await McpTestData.CreateAsync(admin);
        var path = $"/v1/tenants/{tenant}/integrations/{integration}";
        await McpTestData.EnableAsync(admin, integration, config);
        var url = await admin.GeneratedUrlAsync(integration, config);
        using (var delivered = await figures.Portal.DeliverAsync(url))
        {
            Assert.True(delivered.IsSuccessStatusCode, $"delivery: {(int)delivered.StatusCode}");
        }

        var events = await (await admin.GetAsync($"{path}/configs/{config}/webhook/events")).ExpectAsync(HttpStatusCode.OK);
        await (await admin.PostAsync($"{path}/configs/{config}:publish", null)).ExpectAsync(HttpStatusCode.OK);
        var revisions = await (await admin.GetAsync($"{path}/configs/{config}/revisions")).ExpectAsync(HttpStatusCode.OK);
        await (await admin.PostAsync($"/api/v1/app/{tenant}/integration/{integration}/key/rotate", null)).ExpectAsync(HttpStatusCode.OK);

        var secret = ApiTestData.NewId("victim-signing");
        await (await admin.PostAsJsonAsync($"/v1/tenants/{tenant}/signing-secrets", new { name = secret })).ExpectAsync(HttpStatusCode.Created);
        var client = await (await admin.PostAsJsonAsync($"/v1/tenants/{tenant}/api-clients", new { displayName = "victim client", role = "Viewer" })).ExpectAsync(HttpStatusCode.Created);
        var email = $"{ApiTestData.NewId("victim")}@example.com";
        await (await admin.PostAsJsonAsync($"/v1/tenants/{tenant}/members", new { email, role = "Viewer" })).ExpectAsync(HttpStatusCode.OK);

        var (boundIntegration, boundConfig) = await admin.NewConfigAsync("PER_BINDING");
        var binding = await (await admin.PostAsJsonAsync($"{WebhookApi.ConfigPath(boundIntegration, boundConfig)}/bindings", new { name = "eu" })).ExpectAsync(HttpStatusCode.Created);
        var bindingId = binding["id"]!.GetValue<string>();
        await (await admin.PostAsync($"{WebhookApi.ConfigPath(boundIntegration, boundConfig)}/bindings/{bindingId}:generateWebhookUrl", null)).ExpectAsync(HttpStatusCode.OK);

        // A notification endpoint (to a closed loopback port) and one attempt of a test event to it.
        // Made once per app (each figure seeds the same tenant again): it hears only oauth.connected, so few events reach it.
        const string victimEvents = "http://127.0.0.1:9/victim-events";
        var existing = (await (await admin.GetAsync($"/v1/tenants/{tenant}/notification-endpoints")).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray()
            .FirstOrDefault(e => e!["url"]!.GetValue<string>() == victimEvents);
        var endpoint = existing?.AsObject() ?? await (await admin.PostAsJsonAsync($"/v1/tenants/{tenant}/notification-endpoints", new { url = victimEvents, eventTypes = new[] { "oauth.connected" } })).ExpectAsync(HttpStatusCode.Created);
        var endpointId = endpoint["id"]!.GetValue<string>();
        await (await admin.PostAsync($"/v1/tenants/{tenant}/notification-endpoints/{endpointId}:test", null)).ExpectAsync(HttpStatusCode.Accepted);
        await figures.Portal.Services.GetRequiredService<Portal.Core.Notifications.NotificationDispatcher>().RunOnceAsync();
        JsonArray attempts = [];
        for (var i = 0; i < 200 && attempts.Count == 0; i++)
        {
            attempts = (await (await admin.GetAsync($"/v1/tenants/{tenant}/notification-endpoints/{endpointId}/attempts")).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray();
            await Task.Delay(attempts.Count == 0 ? 50 : 0);
        }

        var attemptId = attempts[0]!["id"]!.ToString();

        var keys = await (await admin.GetAsync($"/v1/tenants/{tenant}/keys?kind=webhook_key&take=500")).ExpectAsync(HttpStatusCode.OK);
        var webhookKey = keys["items"]!.AsArray().First(k => url.Contains(k!["keyPrefix"]!.GetValue<string>(), StringComparison.Ordinal))!["id"]!.GetValue<string>();
        var ids = new Dictionary<string, string>
        {
            ["tenant"] = tenant, ["app_id"] = tenant, ["integration"] = integration, ["integ_id"] = integration, ["config"] = config,
            ["revision"] = revisions["items"]!.AsArray()[0]!["id"]!.ToString(),
            ["id"] = events["items"]!.AsArray()[0]!["id"]!.ToString(),
            ["name"] = secret, ["clientId"] = client["clientId"]!.GetValue<string>(), ["email"] = email, ["keyId"] = webhookKey,
            ["endpointId"] = endpointId, ["attemptId"] = attemptId,
        };
        var bindingIds = new Dictionary<string, string>(ids) { ["integration"] = boundIntegration, ["integ_id"] = boundIntegration, ["config"] = boundConfig, ["binding"] = bindingId };
        return new Victim { Tenant = tenant, Ids = ids, BindingIds = bindingIds };
    }

    public string Fill(Route route, Func<string, string, string>? replace = null)
    {
        var ids = route.PathParameters.Contains("binding") ? BindingIds : Ids;
        var url = route.Template;
        foreach (var parameter in route.PathParameters)
        {
            if (!ids.TryGetValue(parameter, out var value))
            {
                throw new XunitException($"{route}: no real id for the path parameter '{parameter}'; create one in Victim.SeedAsync");
            }

            url = url.Replace($"{{{parameter}}}", Uri.EscapeDataString(replace?.Invoke(parameter, value) ?? value), StringComparison.Ordinal);
        }

        return url;
    }

    /// <summary>What a refused request could have changed, as the victim's admin reads it.</summary>
    public async Task<string> SnapshotAsync(HttpClient admin)
    {
        var t = $"/v1/tenants/{Tenant}";
        var reads = new List<string>
        {
            $"{t}/integrations?take=500", $"{t}/signing-secrets", $"{t}/api-clients", $"{t}/members", "/v1/tenants", $"{t}/key-policy",
        };
        foreach (var ids in new[] { Ids, BindingIds })
        {
            var path = $"{t}/integrations/{ids["integration"]}";
            reads.AddRange([
                path, $"{path}/configs", $"{path}/configs/{ids["config"]}", $"{path}/configs/{ids["config"]}/revisions",
                $"{path}/configs/{ids["config"]}/webhook/keys", $"{path}/configs/{ids["config"]}/webhook/events", $"{path}/mcp",
                $"/api/v1/app/{Tenant}/integration/{ids["integration"]}",
            ]);
        }

        reads.Add($"{t}/integrations/{BindingIds["integration"]}/configs/{BindingIds["config"]}/bindings");
        var snapshot = new List<string>();

        // Notification endpoints by what a request could change (their last attempt moves on its own: retries run in the background).
        var endpoints = await (await admin.GetAsync($"{t}/notification-endpoints")).ExpectAsync(HttpStatusCode.OK);
        snapshot.Add("notification-endpoints " + string.Join(';', endpoints["items"]!.AsArray().Select(e =>
            $"{e!["id"]}|{e["url"]}|{e["eventTypes"]!.ToJsonString()}|{e["enabled"]}|{e["secretPrefix"]}")));
        foreach (var url in reads)
        {
            var body = await (await admin.GetAsync(url)).ExpectAsync(HttpStatusCode.OK);
            body.Remove("lastUsedAt");
            snapshot.Add(url + " " + body.ToJsonString());
        }

        return string.Join('\n', snapshot);
    }
}

/// <summary>Runs the figures in name order, so secret hygiene (last) sees everything the others minted.</summary>
public sealed class ByNameOrderer : ITestCaseOrderer
{
    public const string Name = "Portal.Tests.Figures.ByNameOrderer";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases) where TTestCase : ITestCase =>
        testCases.OrderBy(t => t.TestMethod.Method.Name, StringComparer.Ordinal);
}
