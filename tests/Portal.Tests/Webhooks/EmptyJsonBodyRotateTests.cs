using System.Net;
using System.Net.Http.Json;
using System.Text;
using Portal.Tests.Infrastructure;
using Portal.Tests.Mcp;
using Portal.Tests.SigningSecrets;
using static Portal.Tests.Webhooks.WebhookApi;

namespace Portal.Tests.Webhooks;

/// <summary>
/// Generated clients send <c>Content-Type: application/json</c> with an empty body on every mint and rotate call:
/// that is a normal call. A body that is sent must be JSON; malformed JSON is a 400 ProblemDetails, never a 500.
/// </summary>
public sealed class EmptyJsonBodyRotateTests(WebhookPortal portal) : IClassFixture<WebhookPortal>
{
    private const string Malformed = """{"gracePeriodSeconds": """;

    private static HttpRequestMessage Post(string url, string body, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        Assert.Equal("application/json", request.Content.Headers.ContentType!.MediaType);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return request;
    }

    /// <summary>Every mint/rotate route with an optional body, freshly set up so each can succeed once more.</summary>
    private async Task<Dictionary<string, string>> RoutesAsync(HttpClient admin)
    {
        var (integration, config) = await admin.NewConfigAsync();
        var (generateOnly, generateConfig) = await admin.NewConfigAsync();
        await admin.GeneratedUrlAsync(integration, config);
        var (perBinding, perBindingConfig) = await admin.NewConfigAsync("PER_BINDING");
        var binding = (await (await admin.PostAsJsonAsync($"{ConfigPath(perBinding, perBindingConfig)}/bindings", new { name = "eu" })).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();
        var bindingPath = $"{ConfigPath(perBinding, perBindingConfig)}/bindings/{binding}";
        await (await admin.PostAsync($"{bindingPath}:generateWebhookUrl", null)).ExpectAsync(HttpStatusCode.OK);
        var secret = SigningSecretTestData.NewName("rot");
        await admin.CreateSigningSecretAsync(secret);
        var (mcp, mcpConfig) = await McpTestData.CreateAsync(admin);
        await admin.EnableAsync(mcp, mcpConfig);
        var client = (await (await admin.PostAsJsonAsync($"{ApiTestData.Base}/api-clients", new { displayName = "rotating", role = "Viewer" })).ExpectAsync(HttpStatusCode.Created))["clientId"]!.GetValue<string>();

        return new()
        {
            ["config webhook:rotate"] = $"{ConfigPath(integration, config)}/webhook:rotate",
            ["binding webhook:rotate"] = $"{bindingPath}/webhook:rotate",
            [":generateWebhookUrl"] = $"{ConfigPath(generateOnly, generateConfig)}:generateWebhookUrl",
            ["signing secret :rotate"] = $"{ApiTestData.Base}/signing-secrets/{secret}:rotate",
            ["mcp:rotateKey"] = $"{McpTestData.Mcp(mcp)}:rotateKey",
            ["api client :rotateSecret"] = $"{ApiTestData.Base}/api-clients/{client}:rotateSecret",
            ["svix key/rotate"] = $"/api/v1/app/{PortalApplication.Tenant}/integration/{integration}/key/rotate",
        };
    }

    [Fact]
    public async Task Malformed_json_is_a_400_problem_that_says_what_to_send_and_changes_nothing()
    {
        using var admin = await portal.AdminAsync();
        var routes = await RoutesAsync(admin);

        foreach (var (name, url) in routes)
        {
            foreach (var body in new[] { Malformed, "gracePeriodSeconds=60", "{\"gracePeriodSeconds\": 1} trailing" })
            {
                using var response = await admin.SendAsync(Post(url, body));
                Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{name} with {body}: {(int)response.StatusCode}");
                var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest);
                Assert.Contains("not valid JSON", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
            }
        }

        // Nothing was minted or rotated by the refused calls: the first-time generate still succeeds.
        await (await admin.SendAsync(Post(routes[":generateWebhookUrl"], ""))).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Each_route_with_content_type_json_and_an_empty_body_succeeds_like_a_call_without_a_body()
    {
        using var admin = await portal.AdminAsync();
        var routes = await RoutesAsync(admin);

        foreach (var (name, url) in routes)
        {
            using var response = await admin.SendAsync(Post(url, ""));
            Assert.Equal(0, response.RequestMessage!.Content!.Headers.ContentLength);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        // With an Idempotency-Key too (the body is hashed after the optional-body check has read it).
        var again = await (await admin.SendAsync(Post(routes["config webhook:rotate"], "", "empty-body-retry"))).ExpectAsync(HttpStatusCode.OK);
        var replay = await (await admin.SendAsync(Post(routes["config webhook:rotate"], "", "empty-body-retry"))).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(again["webhookUrl"]!.GetValue<string>(), replay["webhookUrl"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_json_body_with_options_is_still_read_and_an_empty_object_means_no_options()
    {
        using var admin = await portal.AdminAsync();
        var routes = await RoutesAsync(admin);

        var rotated = await (await admin.SendAsync(Post(routes["config webhook:rotate"], """{"gracePeriodSeconds": 3600}"""))).ExpectAsync(HttpStatusCode.OK);
        Assert.NotNull(rotated["previousKeyExpiresAt"]);
        var withoutGrace = await (await admin.SendAsync(Post(routes["config webhook:rotate"], "{}"))).ExpectAsync(HttpStatusCode.OK);
        Assert.Null(withoutGrace["previousKeyExpiresAt"]);
        await (await admin.SendAsync(Post(routes["mcp:rotateKey"], "{}"))).ExpectAsync(HttpStatusCode.OK);
        var wrongType = await (await admin.SendAsync(Post(routes["signing secret :rotate"], """{"gracePeriodSeconds": "soon"}"""))).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("gracePeriodSeconds", wrongType["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
