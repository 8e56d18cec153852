using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Keys;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Infrastructure.ApiTestData;

namespace Portal.Tests.Hosting;

/// <summary>
/// Optimistic concurrency on configs and integrations: GET sends an ETag, If-Match makes a change conditional (412 when
/// the resource moved on), and without If-Match the last writer wins: a conflict with the portal's own writers is retried
/// inside the operation, never handed to the caller as a 409.
/// </summary>
public sealed class ETagApiTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private static string ConfigUrl(string integration, string config) => $"{Base}/integrations/{integration}/configs/{config}";

    private static string IntegrationUrl(string integration) => $"{Base}/integrations/{integration}";

    private static JsonObject ConfigBody(string displayName = "Prod") => new()
    {
        ["displayName"] = displayName,
        ["parameters"] = new JsonObject { ["baseUrl"] = "https://crm.example" },
    };

    private async Task<(HttpClient Http, string Integration, string ConfigUrl)> ConfigAsync()
    {
        var http = await app.ClientAsync();
        var integration = NewId("etag");
        await http.CreateIntegrationAsync(Integration(integration));
        var config = await http.CreateConfigAsync(integration, ConfigBody());
        return (http, integration, ConfigUrl(integration, config["id"]!.GetValue<string>()));
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string url, JsonObject? body = null, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return http.SendAsync(request);
    }

    /// <summary>The response's ETag: strong and quoted.</summary>
    private static string ETagOf(HttpResponseMessage response)
    {
        var etag = response.Headers.ETag;
        Assert.True(etag is not null, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode} without an ETag");
        Assert.False(etag.IsWeak, $"weak ETag {etag}");
        Assert.StartsWith("\"", etag.Tag);
        Assert.EndsWith("\"", etag.Tag);
        return etag.Tag;
    }

    private static async Task<(JsonObject Body, string ETag)> GetAsync(HttpClient http, string url)
    {
        using var response = await http.GetAsync(url);
        var body = await response.ExpectAsync(HttpStatusCode.OK);
        return (body, ETagOf(response));
    }

    private static async Task ExpectPreconditionFailedAsync(HttpResponseMessage response, string resource)
    {
        var problem = await response.ExpectProblemAsync(HttpStatusCode.PreconditionFailed);
        var detail = problem["detail"]!.GetValue<string>();
        Assert.Contains($"The {resource} was changed since you read it", detail);
        Assert.Contains("Read it again", detail);
    }

    [Fact]
    public async Task Patches_racing_webhook_rotations_on_the_same_config_all_succeed_without_a_409()
    {
        var (http, _, url) = await ConfigAsync();
        using var _ = http;
        await (await http.PostAsync($"{url}:generateWebhookUrl", null)).ExpectAsync(HttpStatusCode.OK);

        var patches = Enumerable.Range(0, 20).Select(i => SendAsync(http, HttpMethod.Patch, url, new JsonObject { ["description"] = $"run {i}" })).ToList();
        var rotations = Enumerable.Range(0, 20).Select(_ => http.PostAsync($"{url}/webhook:rotate?gracePeriodSeconds=0", null)).ToList();
        var all = patches.Zip(rotations, (p, r) => new[] { p, r }).SelectMany(pair => pair).ToList();
        await Task.WhenAll(all);

        var descriptions = new HashSet<string>();
        foreach (var patch in patches)
        {
            using var response = await patch;
            var body = await response.ExpectAsync(HttpStatusCode.OK); // no If-Match: last writer wins, never 409
            ETagOf(response);
            descriptions.Add(body["description"]!.GetValue<string>());
        }

        foreach (var rotation in rotations)
        {
            using var response = await rotation;
            await response.ExpectAsync(HttpStatusCode.OK);
        }

        Assert.Equal(20, descriptions.Count); // each PATCH answered with its own change applied
        var (current, _) = await GetAsync(http, url);
        Assert.Matches("^run ([0-9]|1[0-9])$", current["description"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_config_PATCH_with_the_current_ETag_succeeds_and_answers_the_new_ETag()
    {
        var (http, _, url) = await ConfigAsync();
        using var _ = http;
        var (_, etag) = await GetAsync(http, url);

        using var patched = await SendAsync(http, HttpMethod.Patch, url, new JsonObject { ["description"] = "conditional" }, etag);
        var body = await patched.ExpectAsync(HttpStatusCode.OK);
        var newETag = ETagOf(patched);

        Assert.Equal("conditional", body["description"]!.GetValue<string>());
        Assert.NotEqual(etag, newETag);
        var (_, fetched) = await GetAsync(http, url);
        Assert.Equal(newETag, fetched);

        // The new ETag is good for the next change; If-Match: * only asks that the config exists.
        using var again = await SendAsync(http, HttpMethod.Patch, url, new JsonObject { ["description"] = "again" }, newETag);
        await again.ExpectAsync(HttpStatusCode.OK);
        using var any = await SendAsync(http, HttpMethod.Patch, url, new JsonObject { ["description"] = "any" }, "*");
        Assert.Equal("any", (await any.ExpectAsync(HttpStatusCode.OK))["description"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("stale")]
    [InlineData("weak")]
    [InlineData("foreign")]
    public async Task A_config_PATCH_with_an_If_Match_that_does_not_match_is_a_412_and_changes_nothing(string kind)
    {
        var (http, _, url) = await ConfigAsync();
        using var _ = http;
        var (_, first) = await GetAsync(http, url);
        await (await SendAsync(http, HttpMethod.Patch, url, new JsonObject { ["description"] = "someone else" })).ExpectAsync(HttpStatusCode.OK);
        var (before, current) = await GetAsync(http, url);
        var ifMatch = kind switch
        {
            "stale" => first,
            "weak" => $"W/{current}", // If-Match compares strongly: a weak tag never matches
            _ => "\"not-a-version-of-this-server\"",
        };

        using var refused = await SendAsync(http, HttpMethod.Patch, url, new JsonObject { ["description"] = "mine", ["displayName"] = "Mine" }, ifMatch);
        await ExpectPreconditionFailedAsync(refused, "config");

        var (after, etag) = await GetAsync(http, url);
        Assert.True(JsonNode.DeepEquals(before, after), $"a refused PATCH changed the config:\n{before}\n{after}");
        Assert.Equal(current, etag);
    }

    [Fact]
    public async Task A_config_DELETE_honours_If_Match()
    {
        var (http, _, url) = await ConfigAsync();
        using var _ = http;
        var (_, first) = await GetAsync(http, url);
        using var patched = await SendAsync(http, HttpMethod.Patch, url, new JsonObject { ["description"] = "newer" });
        var current = ETagOf(patched);

        await ExpectPreconditionFailedAsync(await SendAsync(http, HttpMethod.Delete, url, ifMatch: first), "config");
        await GetAsync(http, url); // still there

        using var deleted = await SendAsync(http, HttpMethod.Delete, url, ifMatch: current);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await (await http.GetAsync(url)).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Publish_and_rollback_answer_the_configs_new_ETag()
    {
        var (http, _, url) = await ConfigAsync();
        using var _ = http;
        var (_, before) = await GetAsync(http, url);

        using var published = await http.PostAsync($"{url}:publish", null);
        var revision = (await published.ExpectAsync(HttpStatusCode.OK))["publishedRevisionId"]!.GetValue<string>();
        var afterPublish = ETagOf(published);
        Assert.NotEqual(before, afterPublish);
        Assert.Equal(afterPublish, (await GetAsync(http, url)).ETag);

        // A conditional PATCH with the ETag from before the publish is refused: the publish changed the config.
        await ExpectPreconditionFailedAsync(await SendAsync(http, HttpMethod.Patch, url, new JsonObject { ["description"] = "x" }, before), "config");

        using var rolledBack = await http.PostAsJsonAsync($"{url}:rollback", new { revisionId = revision });
        await rolledBack.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(ETagOf(rolledBack), (await GetAsync(http, url)).ETag);
    }

    [Fact]
    public async Task Integration_PUT_and_PATCH_honour_If_Match_and_answer_the_new_ETag()
    {
        using var http = await app.ClientAsync();
        var id = NewId("etag-int");
        await http.CreateIntegrationAsync(SmallIntegration(id, "First"));
        var url = IntegrationUrl(id);
        var (_, first) = await GetAsync(http, url);

        using var put = await SendAsync(http, HttpMethod.Put, url, SmallIntegration(id, "Second"), first);
        Assert.Equal("Second", (await put.ExpectAsync(HttpStatusCode.OK))["displayName"]!.GetValue<string>());
        var second = ETagOf(put);
        Assert.NotEqual(first, second);
        var (before, fetched) = await GetAsync(http, url);
        Assert.Equal(second, fetched);

        // Stale ETags: PUT, PATCH and DELETE are refused and nothing changes.
        await ExpectPreconditionFailedAsync(await SendAsync(http, HttpMethod.Put, url, SmallIntegration(id, "Stale put"), first), "integration");
        await ExpectPreconditionFailedAsync(await SendAsync(http, HttpMethod.Patch, url, new JsonObject { ["displayName"] = "Stale patch" }, first), "integration");
        await ExpectPreconditionFailedAsync(await SendAsync(http, HttpMethod.Delete, url, ifMatch: first), "integration");
        var (after, unchanged) = await GetAsync(http, url);
        Assert.True(JsonNode.DeepEquals(before, after), $"a refused write changed the integration:\n{before}\n{after}");
        Assert.Equal(second, unchanged);

        using var patch = await SendAsync(http, HttpMethod.Patch, url, new JsonObject { ["description"] = "patched" }, second);
        var patched = await patch.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Second", patched["displayName"]!.GetValue<string>());
        Assert.Equal("patched", patched["description"]!.GetValue<string>());
        var third = ETagOf(patch);
        Assert.NotEqual(second, third);

        using var deleted = await SendAsync(http, HttpMethod.Delete, url, ifMatch: third);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }

    [Fact]
    public async Task Concurrent_integration_PUTs_without_If_Match_all_succeed_and_keep_the_credential_they_send()
    {
        using var http = await app.ClientAsync();
        var id = NewId("etag-race");
        await http.CreateIntegrationAsync(Integration(id, clientSecret: null));
        var url = IntegrationUrl(id);

        // Each PUT sends a credential; a PUT retried after a conflict must still store it (the first attempt takes it out of the metadata).
        var puts = Enumerable.Range(0, 12).Select(i => SendAsync(http, HttpMethod.Put, url, Integration(id, clientSecret: $"secret-{i}", displayName: $"CRM {i}"))).ToList();
        await Task.WhenAll(puts);
        foreach (var put in puts)
        {
            using var response = await put;
            var body = await response.ExpectAsync(HttpStatusCode.OK);
            ETagOf(response);
            Assert.True(OAuthSecretStates(body)["clientSecret"]!["set"]!.GetValue<bool>(), $"a PUT lost its clientSecret: {body}");
        }

        // The last writer's whole PUT stands: its display name and its own credential, not one kept from an earlier attempt.
        var (current, _) = await GetAsync(http, url);
        var winner = current["displayName"]!.GetValue<string>();
        Assert.Matches("^CRM ([0-9]|1[01])$", winner);
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var row = await db.Integrations.AsNoTracking().SingleAsync(i => i.TenantId == PortalApplication.Tenant && i.Id == id);
        var stored = app.Services.GetRequiredService<CredentialProtector>().UnprotectBag(row.CredentialsProtected);
        Assert.Equal($"secret-{winner["CRM ".Length..]}", stored["oauth"]["clientSecret"]);
    }
}
