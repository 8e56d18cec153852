using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Portal.Tests.Infrastructure;
using Portal.Tests.SigningSecrets;

namespace Portal.Tests.Security;

/// <summary>
/// A signed-in admin's browser attaches the sign-in cookie to a form another site posts. The API takes the cookie
/// only for safe methods: every state-changing API route refuses it with a 403, and nothing changes.
/// </summary>
public sealed partial class CrossSiteRequestTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private const string ApiClients = "/v1/tenants/default/api-clients";

    /// <summary>A form another site posts: its Origin, the form encoding, the browser's cookie, no bearer token.</summary>
    private static HttpRequestMessage ForeignForm(HttpMethod method, string path) => new(method, path)
    {
        Headers = { { "Origin", "https://attacker.example" }, { "Sec-Fetch-Site", "cross-site" } },
        Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["x"] = "1" }),
    };

    [Fact]
    public async Task Every_state_changing_api_route_refuses_the_sign_in_cookie()
    {
        using var browser = await app.SignInAsync(PortalApplication.AdminEmail, PortalApplication.AdminPassword);
        var routes = UnsafeApiRoutes().ToList();
        Assert.Contains(routes, r => r.Path.EndsWith(":rotateSecret", StringComparison.Ordinal));
        Assert.Contains(routes, r => r.Path.EndsWith("/key/rotate", StringComparison.Ordinal));
        Assert.Contains(routes, r => r.Path.EndsWith("mcp:rotateKey", StringComparison.Ordinal));

        foreach (var (method, path) in routes)
        {
            using var response = await browser.SendAsync(ForeignForm(method, path));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {path} took the cookie: {(int)response.StatusCode} {body}");
            if (path.StartsWith("/xrpc", StringComparison.Ordinal))
            {
                await response.ExpectXrpcErrorAsync(HttpStatusCode.Forbidden, "Forbidden");
            }
            else
            {
                var problem = await response.ExpectProblemAsync(HttpStatusCode.Forbidden);
                Assert.Contains("bearer token", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task A_cross_site_rotate_of_an_api_client_secret_changes_nothing()
    {
        using var admin = await app.ClientAsync();
        var created = await (await admin.PostAsJsonAsync(ApiClients, new { displayName = "victim", role = "Admin" })).ExpectAsync(HttpStatusCode.Created);
        var clientId = created["clientId"]!.GetValue<string>();
        var secret = created["clientSecret"]!.GetValue<string>();
        using var browser = await app.SignInAsync(PortalApplication.AdminEmail, PortalApplication.AdminPassword);

        using var refused = await browser.SendAsync(ForeignForm(HttpMethod.Post, $"{ApiClients}/{clientId}:rotateSecret"));
        await refused.ExpectProblemAsync(HttpStatusCode.Forbidden);
        Assert.DoesNotContain("clientSecret", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The cookie still reads (a safe method), and the prefix is unchanged; the old secret still gets a token.
        var list = await (await browser.GetAsync(ApiClients)).ExpectAsync(HttpStatusCode.OK);
        var listed = list["items"]!.AsArray().Single(c => c!["clientId"]!.GetValue<string>() == clientId)!;
        Assert.Equal(created["secretPrefix"]!.GetValue<string>(), listed["secretPrefix"]!.GetValue<string>());
        Assert.Null(listed["secretRotatedAt"]);
        await app.TokenAsync(clientId, secret);

        using var deleteRefused = await browser.SendAsync(ForeignForm(HttpMethod.Delete, $"{ApiClients}/{clientId}"));
        await deleteRefused.ExpectProblemAsync(HttpStatusCode.Forbidden);
        await app.TokenAsync(clientId, secret);
    }

    [Fact]
    public async Task A_cross_site_rotate_of_a_signing_secret_changes_nothing()
    {
        using var admin = await app.ClientAsync();
        var name = SigningSecretTestData.NewName("csrf");
        var token = await admin.CreateSigningSecretAsync(name);
        using var browser = await app.SignInAsync(PortalApplication.AdminEmail, PortalApplication.AdminPassword);

        using var refused = await browser.SendAsync(ForeignForm(HttpMethod.Post, $"{SigningSecretTestData.Secrets}/{name}:rotate"));
        await refused.ExpectProblemAsync(HttpStatusCode.Forbidden);

        Assert.Equal([token], await app.UsableTokensAsync(name));
    }

    [Fact]
    public async Task The_same_origin_cookie_is_refused_too_and_bearer_callers_are_unaffected()
    {
        // The policy is "cookies only for safe methods": even a same-origin request needs a bearer token to change anything.
        using var browser = await app.SignInAsync(PortalApplication.AdminEmail, PortalApplication.AdminPassword);
        using var sameOrigin = new HttpRequestMessage(HttpMethod.Post, ApiClients)
        {
            Headers = { { "Origin", "http://localhost" }, { "Sec-Fetch-Site", "same-origin" } },
            Content = JsonContent.Create(new { displayName = "same origin", role = "Viewer" }),
        };
        using var refused = await browser.SendAsync(sameOrigin);
        await refused.ExpectProblemAsync(HttpStatusCode.Forbidden);

        using var admin = await app.ClientAsync();
        await (await admin.PostAsJsonAsync(ApiClients, new { displayName = "bearer", role = "Viewer" })).ExpectAsync(HttpStatusCode.Created);
        var tenants = await (await browser.GetAsync("/v1/tenants")).Content.ReadAsStringAsync();
        Assert.Contains("default", tenants, StringComparison.Ordinal);
    }

    /// <summary>Every POST/PUT/PATCH/DELETE route of the API surfaces a signed-in browser can reach, from the real route table.</summary>
    private IEnumerable<(HttpMethod Method, string Path)> UnsafeApiRoutes()
    {
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();
        foreach (var endpoint in endpoints)
        {
            var pattern = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            if (!(pattern.StartsWith("/v1/", StringComparison.Ordinal) || pattern.StartsWith("/api/", StringComparison.Ordinal) || pattern.StartsWith("/xrpc/", StringComparison.Ordinal)))
            {
                continue;
            }

            var methods = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? [];
            foreach (var method in methods.Where(m => m is "POST" or "PUT" or "PATCH" or "DELETE"))
            {
                yield return (new HttpMethod(method), Parameter().Replace(pattern, m => m.Groups[1].Value switch
                {
                    "tenant" or "app_id" => PortalApplication.Tenant,
                    "clientId" => PortalApplication.AdminClientId,
                    "email" => PortalApplication.AdminEmail,
                    var other when m.Value.Contains(":guid", StringComparison.Ordinal) => Guid.NewGuid().ToString(),
                    _ => "csrf-target",
                }));
            }
        }
    }

    [GeneratedRegex(@"\{([^}:?=]+)[^}]*\}")]
    private static partial Regex Parameter();
}
