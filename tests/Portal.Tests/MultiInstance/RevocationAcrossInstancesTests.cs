using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Portal.Core.Webhooks;
using Portal.Tests.Infrastructure;
using Portal.Tests.Mcp;
using Portal.Tests.Webhooks;

namespace Portal.Tests.MultiInstance;

/// <summary>
/// Issue 13: "a key rotated or revoked through instance A is refused by instance B on the very next request, for every
/// key kind". Each test mints on A, proves the key works on B, rotates on A (no grace period), and the very next request
/// on B with the old key is refused while the new key works there.
/// </summary>
[Trait("Category", "MultiInstance")]
public sealed class RevocationAcrossInstancesTests(TwoInstances portal) : IClassFixture<TwoInstances>
{
    private const string T = $"/v1/tenants/{PortalApplication.Tenant}";

    private static async Task<HttpStatusCode> DeliverAsync(PortalApplication instance, string webhookUrl, Action<HttpRequestMessage>? sign = null)
    {
        using var http = instance.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(webhookUrl).PathAndQuery) { Content = new StringContent("""{"event":"ping"}""", Encoding.UTF8, "application/json") };
        sign?.Invoke(request);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task A_webhook_url_rotated_on_A_is_refused_on_B_at_once()
    {
        using var a = await portal.A.ClientAsync();
        var (integration, config) = await a.NewConfigAsync();
        var old = await a.GeneratedUrlAsync(integration, config);
        Assert.Equal(HttpStatusCode.Accepted, await DeliverAsync(portal.B, old));

        var rotated = await (await a.RotateAsync(integration, config)).ExpectAsync(HttpStatusCode.OK);

        Assert.NotEqual(HttpStatusCode.Accepted, await DeliverAsync(portal.B, old));
        Assert.Equal(HttpStatusCode.Accepted, await DeliverAsync(portal.B, rotated["webhookUrl"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_signing_secret_rotated_on_A_no_longer_verifies_on_B()
    {
        using var a = await portal.A.ClientAsync();
        var name = ApiTestData.NewId("multi");
        var oldToken = (await (await a.PostAsJsonAsync($"{T}/signing-secrets", new { name })).ExpectAsync(HttpStatusCode.Created))["token"]!.GetValue<string>();
        var (integration, config) = await a.NewConfigAsync(signingSecretName: name);
        var url = await a.GeneratedUrlAsync(integration, config);
        Assert.Equal(HttpStatusCode.Accepted, await DeliverAsync(portal.B, url, Signed(oldToken, "msg_1")));

        var newToken = (await (await a.PostAsync($"{T}/signing-secrets/{name}:rotate", null)).ExpectAsync(HttpStatusCode.OK))["token"]!.GetValue<string>();

        Assert.Equal(HttpStatusCode.Unauthorized, await DeliverAsync(portal.B, url, Signed(oldToken, "msg_2")));
        Assert.Equal(HttpStatusCode.Accepted, await DeliverAsync(portal.B, url, Signed(newToken, "msg_3")));
    }

    [Fact]
    public async Task An_mcp_key_rotated_on_A_is_refused_on_B_at_once()
    {
        using var a = await portal.A.ClientAsync();
        var (integration, config) = await McpTestData.CreateAsync(a);
        var old = await a.EnableAsync(integration, config);
        Assert.Null(await McpClients.RefusalAsync(portal.B, integration, old));

        var fresh = (await (await a.PostAsync($"{McpTestData.Mcp(integration)}:rotateKey", null)).ExpectAsync(HttpStatusCode.OK))["apiKey"]!.GetValue<string>();

        Assert.Equal(HttpStatusCode.Unauthorized, await McpClients.RefusalAsync(portal.B, integration, old));
        Assert.Null(await McpClients.RefusalAsync(portal.B, integration, fresh));
    }

    [Fact]
    public async Task An_integration_key_rotated_on_A_is_refused_on_B_at_once()
    {
        using var a = await portal.A.ClientAsync();
        var (integration, _) = await a.NewConfigAsync();
        var rotate = $"/api/v1/app/{PortalApplication.Tenant}/integration/{integration}/key/rotate";
        var old = (await (await a.PostAsync(rotate, null)).ExpectAsync(HttpStatusCode.OK))["key"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, await ReadIntegrationOnBAsync(old, integration));

        var fresh = (await (await a.PostAsync(rotate, null)).ExpectAsync(HttpStatusCode.OK))["key"]!.GetValue<string>();

        Assert.Equal(HttpStatusCode.Unauthorized, await ReadIntegrationOnBAsync(old, integration));
        Assert.Equal(HttpStatusCode.OK, await ReadIntegrationOnBAsync(fresh, integration));
    }

    [Fact]
    public async Task An_api_client_secret_rotated_on_A_ends_its_tokens_and_secret_on_B_at_once()
    {
        using var a = await portal.A.ClientAsync();
        var created = await (await a.PostAsJsonAsync($"{T}/api-clients", new { displayName = "multi", role = "Viewer" })).ExpectAsync(HttpStatusCode.Created);
        var clientId = created["clientId"]!.GetValue<string>();
        var oldSecret = created["clientSecret"]!.GetValue<string>();
        using var onB = await portal.B.ClientAsync(clientId, oldSecret);
        Assert.Equal(HttpStatusCode.OK, (await onB.GetAsync($"{T}/integrations")).StatusCode);

        var newSecret = (await (await a.PostAsync($"{T}/api-clients/{clientId}:rotateSecret", null)).ExpectAsync(HttpStatusCode.OK))["clientSecret"]!.GetValue<string>();

        Assert.Equal(HttpStatusCode.Unauthorized, (await onB.GetAsync($"{T}/integrations")).StatusCode);
        using var anonymous = portal.B.CreateClient();
        using var token = await anonymous.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = oldSecret,
        }));
        Assert.Equal(HttpStatusCode.Unauthorized, token.StatusCode); // RFC 6749 5.2: invalid_client
        using var fresh = await portal.B.ClientAsync(clientId, newSecret);
        Assert.Equal(HttpStatusCode.OK, (await fresh.GetAsync($"{T}/integrations")).StatusCode);
    }

    private async Task<HttpStatusCode> ReadIntegrationOnBAsync(string key, string integration)
    {
        using var http = portal.B.CreateClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", key);
        using var response = await http.GetAsync($"{T}/integrations/{integration}");
        return response.StatusCode;
    }

    private static Action<HttpRequestMessage> Signed(string secret, string id) => request =>
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", StandardWebhookSignature.Sign(secret, id, timestamp, Encoding.UTF8.GetBytes("""{"event":"ping"}""")));
    };
}
