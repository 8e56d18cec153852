using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using static Portal.Tests.Infrastructure.ApiTestData;

namespace Portal.Tests.ApiClients;

/// <summary>API clients: the secret is shown once, rotation kills the old one, deletion kills the client.</summary>
public sealed class ApiClientsApiTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private const string ApiClients = Base + "/api-clients";

    private async Task<(string ClientId, string Secret, JsonObject Body)> CreateAsync(string role = "Viewer", string displayName = "ci")
    {
        using var admin = await app.ClientAsync();
        var body = await (await admin.PostAsJsonAsync(ApiClients, new { displayName, role })).ExpectAsync(HttpStatusCode.Created);
        return (body["clientId"]!.GetValue<string>(), body["clientSecret"]!.GetValue<string>(), body);
    }

    private async Task<HttpResponseMessage> RequestTokenAsync(string clientId, string secret)
    {
        using var http = app.CreateClient();
        return await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
        }));
    }

    private HttpClient WithToken(string token)
    {
        var http = app.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static async Task ExpectNoTokenAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest, $"expected the token request to be refused, got {(int)response.StatusCode}: {text}");
        Assert.DoesNotContain("access_token", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Creating_a_client_returns_its_pcs_secret_once()
    {
        var (clientId, secret, body) = await CreateAsync("Viewer", "reporting job");
        Assert.StartsWith("pcs_", secret, StringComparison.Ordinal);
        Assert.True(secret.Length >= 40, $"secret too short: {secret.Length}");
        Assert.Equal("Viewer", body["role"]!.GetValue<string>());
        Assert.Equal("reporting job", body["displayName"]!.GetValue<string>());
        Assert.StartsWith("pcs_", body["secretPrefix"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith(body["secretPrefix"]!.GetValue<string>(), secret, StringComparison.Ordinal);
        Assert.True(body["secretPrefix"]!.GetValue<string>().Length < secret.Length);
        Assert.False(string.IsNullOrEmpty(clientId));

        var (_, another, _) = await CreateAsync();
        Assert.NotEqual(secret, another);
    }

    [Fact]
    public async Task The_list_never_contains_a_client_secret()
    {
        var (clientId, secret, _) = await CreateAsync("Admin", "listed");
        using var admin = await app.ClientAsync();
        using var response = await admin.GetAsync(ApiClients);
        var text = await response.Content.ReadAsStringAsync();
        var page = await response.ExpectAsync(HttpStatusCode.OK);

        Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(PortalApplication.AdminClientSecret, text, StringComparison.Ordinal);
        Assert.DoesNotContain("clientSecret", text, StringComparison.OrdinalIgnoreCase);
        var listed = page["items"]!.AsArray().Single(c => c!["clientId"]!.GetValue<string>() == clientId)!;
        Assert.Equal("Admin", listed["role"]!.GetValue<string>());
        Assert.Equal("listed", listed["displayName"]!.GetValue<string>());
        Assert.Contains(page["items"]!.AsArray(), c => c!["clientId"]!.GetValue<string>() == PortalApplication.AdminClientId);
        Assert.True(page["total"]!.GetValue<int>() >= 2);
    }

    [Fact]
    public async Task A_new_client_gets_a_token_that_opens_the_api_with_its_role()
    {
        var (clientId, secret, _) = await CreateAsync("Viewer");
        using var response = await RequestTokenAsync(clientId, secret);
        var token = await response.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Bearer", token["token_type"]!.GetValue<string>());
        Assert.True(token["expires_in"]!.GetValue<int>() > 0);

        using var http = WithToken(token["access_token"]!.GetValue<string>());
        await (await http.GetAsync($"{Base}/integrations")).ExpectAsync(HttpStatusCode.OK);
        await (await http.PostAsJsonAsync($"{Base}/integrations", SmallIntegration(NewId("viewer")))).ExpectProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Rotating_the_secret_returns_a_new_one_and_the_old_one_stops_working()
    {
        var (clientId, oldSecret, _) = await CreateAsync("Viewer");
        using var admin = await app.ClientAsync();

        var rotated = await (await admin.PostAsync($"{ApiClients}/{clientId}:rotateSecret", null)).ExpectAsync(HttpStatusCode.OK);
        var newSecret = rotated["clientSecret"]!.GetValue<string>();
        Assert.StartsWith("pcs_", newSecret, StringComparison.Ordinal);
        Assert.NotEqual(oldSecret, newSecret);
        Assert.Equal(clientId, rotated["clientId"]!.GetValue<string>());
        Assert.NotNull(rotated["secretRotatedAt"]);

        using var refused = await RequestTokenAsync(clientId, oldSecret);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.DoesNotContain("access_token", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var accepted = await RequestTokenAsync(clientId, newSecret);
        await accepted.ExpectAsync(HttpStatusCode.OK);

        var list = await (await admin.GetAsync(ApiClients)).ExpectAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(newSecret, list.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rotating_an_unknown_client_is_a_404_problem()
    {
        using var admin = await app.ClientAsync();
        await (await admin.PostAsync($"{ApiClients}/pc_nobody:rotateSecret", null)).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Deleting_a_client_stops_its_token_requests_and_its_existing_tokens()
    {
        var (clientId, secret, _) = await CreateAsync("Admin");
        var token = await app.TokenAsync(clientId, secret);
        using (var before = WithToken(token))
        {
            await (await before.GetAsync($"{Base}/integrations")).ExpectAsync(HttpStatusCode.OK);
        }

        using var admin = await app.ClientAsync();
        using var deleted = await admin.DeleteAsync($"{ApiClients}/{clientId}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        using var refused = await RequestTokenAsync(clientId, secret);
        await ExpectNoTokenAsync(refused);

        using var after = WithToken(token);
        using var read = await after.GetAsync($"{Base}/integrations");
        Assert.True(read.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.NotFound,
            $"a token of a deleted client still opens the API: {(int)read.StatusCode} {await read.Content.ReadAsStringAsync()}");
        await read.ExpectProblemAsync(read.StatusCode);
        using var write = await after.PostAsJsonAsync($"{Base}/integrations", SmallIntegration(NewId("ghost")));
        Assert.True(write.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.NotFound,
            $"a token of a deleted client still writes: {(int)write.StatusCode} {await write.Content.ReadAsStringAsync()}");

        var list = await (await admin.GetAsync(ApiClients)).ExpectAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(list["items"]!.AsArray(), c => c!["clientId"]!.GetValue<string>() == clientId);
    }

    [Fact]
    public async Task A_client_without_a_display_name_is_a_400_problem()
    {
        using var admin = await app.ClientAsync();
        await (await admin.PostAsJsonAsync(ApiClients, new { role = "Viewer" })).ExpectValidationAsync("displayName");
    }

    [Fact]
    public async Task A_viewer_cannot_create_rotate_or_delete_clients()
    {
        var (clientId, secret, _) = await CreateAsync("Viewer");
        using var viewer = await app.ClientAsync(clientId, secret);
        await (await viewer.PostAsJsonAsync(ApiClients, new { displayName = "escalate", role = "Admin" })).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await viewer.PostAsync($"{ApiClients}/{PortalApplication.AdminClientId}:rotateSecret", null)).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await viewer.DeleteAsync($"{ApiClients}/{PortalApplication.AdminClientId}")).ExpectProblemAsync(HttpStatusCode.Forbidden);

        // the admin client still works
        await app.TokenAsync(PortalApplication.AdminClientId, PortalApplication.AdminClientSecret);
    }
}
